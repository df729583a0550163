#pragma once
#include "keel/core/view.h"

namespace keel::kernels {

// out[batch..., M, N] = alpha * a[..., M, K] @ b[..., K, N] + beta * out. The batch dims of a
// and b broadcast to out's; a and b may have any strides (a transposed matrix is passed to the
// GEMM as such, not copied); out is contiguous. a, b and out share one dtype (float32,
// float64 or int64) and carry no autograd history (callers pass detached tensors).
void matmul(const View& out, const View& a, const View& b, double alpha = 1.0, double beta = 0.0);

}  // namespace keel::kernels
