#pragma once
// The optimizers' fused in-place updates as ops on tensors: the one place the optimizers reach
// the kernels of kernels/cpu/optimizer_steps.h. Each takes contiguous tensors of one floating
// dtype (the optimizer checks them) and updates param and its state buffers in a single pass.
// Library-internal: the optimizers of keel/optim/ are their only callers.
#include "keel/tensor/tensor.h"
#include "kernels/cpu/optimizer_steps.h"

namespace keel::ops {

// The scalars of one step, computed by the optimizer as PyTorch's Python code does.
using kernels::AdagradArgs;
using kernels::AdamArgs;
using kernels::RmspropArgs;
using kernels::SgdArgs;

// An optional buffer a step does not use: an undefined tensor, shared so that passing it costs
// nothing.
inline const Tensor kNoBuffer;

// momentum_buffer is undefined when momentum == 0.
void sgd_step_(const Tensor& param, const Tensor& grad, const Tensor& momentum_buffer, const SgdArgs& a);
// max_exp_avg_sq is undefined without amsgrad.
void adam_step_(const Tensor& param, const Tensor& grad, const Tensor& exp_avg, const Tensor& exp_avg_sq,
                const Tensor& max_exp_avg_sq, const AdamArgs& a);
// grad_avg is undefined unless centered; momentum_buffer is undefined unless momentum > 0.
void rmsprop_step_(const Tensor& param, const Tensor& grad, const Tensor& square_avg, const Tensor& grad_avg,
                   const Tensor& momentum_buffer, const RmspropArgs& a);
void adagrad_step_(const Tensor& param, const Tensor& grad, const Tensor& sum, const AdagradArgs& a);

}  // namespace keel::ops
