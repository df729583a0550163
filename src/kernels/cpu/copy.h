#pragma once
#include "keel/tensor/tensor.h"

namespace keel::kernels {
// dst[...] = src[...] with src broadcast to dst's shape and converted to dst's dtype.
void copy(const Tensor& dst, const Tensor& src);
// Every element of dst set to value (converted to dst's dtype).
void fill(const Tensor& dst, double value);
}  // namespace keel::kernels
