// The optimizers' fused steps: tensors to the raw buffers the kernels loop over.
#include "ops/optimizer_steps.h"

namespace keel::ops {

namespace {
// An optional state buffer: null when the step does not use it.
void* data_or_null(const Tensor& t) { return t.defined() ? t.raw_data() : nullptr; }
}  // namespace

void sgd_step_(const Tensor& param, const Tensor& grad, const Tensor& momentum_buffer, const SgdArgs& a) {
  kernels::sgd_step(param.dtype(), param.raw_data(), grad.raw_data(), data_or_null(momentum_buffer),
                    param.numel(), a);
}

void adam_step_(const Tensor& param, const Tensor& grad, const Tensor& exp_avg, const Tensor& exp_avg_sq,
                const Tensor& max_exp_avg_sq, const AdamArgs& a) {
  kernels::adam_step(param.dtype(), param.raw_data(), grad.raw_data(), exp_avg.raw_data(),
                     exp_avg_sq.raw_data(), data_or_null(max_exp_avg_sq), param.numel(), a);
}

void rmsprop_step_(const Tensor& param, const Tensor& grad, const Tensor& square_avg, const Tensor& grad_avg,
                   const Tensor& momentum_buffer, const RmspropArgs& a) {
  kernels::rmsprop_step(param.dtype(), param.raw_data(), grad.raw_data(), square_avg.raw_data(),
                        data_or_null(grad_avg), data_or_null(momentum_buffer), param.numel(), a);
}

void adagrad_step_(const Tensor& param, const Tensor& grad, const Tensor& sum, const AdagradArgs& a) {
  kernels::adagrad_step(param.dtype(), param.raw_data(), grad.raw_data(), sum.raw_data(), param.numel(), a);
}

}  // namespace keel::ops
