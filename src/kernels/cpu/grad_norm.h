#pragma once
// The two passes of clip_grad_norm_ / clip_grad_value_ over a contiguous gradient: the
// accumulated |x|^p (double accumulators, fixed chunks so the result does not depend on the
// thread count), and the in-place scale or clamp.
#include <cstdint>

#include "keel/core/dtype.h"

namespace keel::kernels {

// sum |x|^p (p = 0 counts nonzeros, p = 1, 2, other), or max |x| for p = inf (NaN wins).
double abs_pow_sum(DType dt, const void* x, std::int64_t n, double p);
// x *= s.
void scale_inplace(DType dt, void* x, std::int64_t n, double s);
// x = clamp(x, lo, hi).
void clamp_inplace(DType dt, void* x, std::int64_t n, double lo, double hi);

}  // namespace keel::kernels
