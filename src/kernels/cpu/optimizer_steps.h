#pragma once
// Fused optimizer updates: one pass per parameter over raw, contiguous float32/float64
// buffers, split across threads for large tensors. Each mirrors the single-tensor
// (foreach=False) code of PyTorch 1.13's torch/optim/*.py; the scalars below are what
// those functions compute in Python before touching the tensors.
#include <cstdint>

#include "keel/core/dtype.h"

namespace keel::kernels {

struct SgdArgs {
  double lr, momentum, dampening, weight_decay;
  bool nesterov, maximize;
  bool first;  // no momentum buffer yet: it starts as a copy of d_p
};
// buf may be null when momentum == 0.
void sgd_step(DType dt, void* param, const void* grad, void* buf, std::int64_t n, const SgdArgs& a);

struct AdamArgs {
  double beta1, beta2, eps, weight_decay;
  double step_size;              // lr / (1 - beta1^step)
  double bias_correction2_sqrt;  // sqrt(1 - beta2^step)
  double decay;                  // AdamW: param *= decay (1 - lr * wd); 1 for Adam
  bool decoupled;                // AdamW: no coupled weight decay on the gradient
  bool amsgrad, maximize;
};
// max_sq may be null without amsgrad.
void adam_step(DType dt, void* param, const void* grad, void* exp_avg, void* exp_avg_sq, void* max_sq,
               std::int64_t n, const AdamArgs& a);

struct RmspropArgs {
  double lr, alpha, eps, weight_decay, momentum;
  bool centered, maximize;
};
// grad_avg may be null unless centered; buf may be null unless momentum > 0.
void rmsprop_step(DType dt, void* param, const void* grad, void* square_avg, void* grad_avg, void* buf,
                  std::int64_t n, const RmspropArgs& a);

struct AdagradArgs {
  double clr, weight_decay, eps;
  bool maximize;
};
void adagrad_step(DType dt, void* param, const void* grad, void* sum, std::int64_t n, const AdagradArgs& a);

}  // namespace keel::kernels
