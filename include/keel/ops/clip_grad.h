#pragma once
// torch.nn.utils.clip_grad_norm_ / clip_grad_value_ (1.13), in place on the parameters'
// gradients, as ops over the gradient-norm kernels. Parameters without a gradient are skipped.
// Users call them as keel::nn::utils::* (keel/nn/utils/clip_grad.h).
#include <vector>

#include "keel/tensor/tensor.h"

namespace keel::ops {

// Scales every gradient by max_norm / (total_norm + 1e-6) when that is below 1, where
// total_norm is the norm_type-norm of the per-parameter gradient norms (INFINITY: the largest
// absolute value). Returns total_norm as a 0-dim tensor of the gradients' dtype (float32 0
// when no parameter has a gradient). With error_if_nonfinite, a nan or inf total throws
// keel::Error and leaves the gradients untouched.
Tensor clip_grad_norm_(const std::vector<Tensor>& parameters, double max_norm, double norm_type = 2.0,
                       bool error_if_nonfinite = false);
Tensor clip_grad_norm_(const Tensor& parameter, double max_norm, double norm_type = 2.0,
                       bool error_if_nonfinite = false);

// Clamps every gradient element to [-clip_value, clip_value].
void clip_grad_value_(const std::vector<Tensor>& parameters, double clip_value);
void clip_grad_value_(const Tensor& parameter, double clip_value);

}  // namespace keel::ops
