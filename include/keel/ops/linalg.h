#pragma once
// Matrix products on oneDNN's GEMM (see docs/design.md).
#include "keel/tensor/tensor.h"

namespace keel {

// torch.matmul: 1-D x 1-D dot, 2-D x 2-D, 1-D/2-D with batched N-D (broadcasting the
// batch dims), with PyTorch's rules for prepending/appending a 1 to vectors.
Tensor matmul(const Tensor& a, const Tensor& b);
Tensor mm(const Tensor& a, const Tensor& b);   // 2-D only
Tensor bmm(const Tensor& a, const Tensor& b);  // 3-D only, same batch
// out = beta * bias + a @ b (bias broadcast to the result), as torch.addmm.
Tensor addmm(const Tensor& bias, const Tensor& a, const Tensor& b, double beta = 1.0, double alpha = 1.0);

}  // namespace keel
