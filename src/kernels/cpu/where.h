#pragma once
#include "keel/tensor/tensor.h"

namespace keel::kernels {

// out = cond ? a : b elementwise, with cond (bool), a and b broadcast to out's shape. a, b and
// out share one dtype. out may alias b exactly (masked_fill_ writes in place).
void where(const Tensor& out, const Tensor& cond, const Tensor& a, const Tensor& b);

}  // namespace keel::kernels
