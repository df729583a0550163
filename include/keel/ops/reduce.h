#pragma once
// Reductions over all elements or over given dims (with keepdim), and softmax.
#include <tuple>

#include "keel/tensor/tensor.h"

namespace keel {

Tensor sum(const Tensor& x);
Tensor sum(const Tensor& x, const Dims& dims, bool keepdim = false);
Tensor mean(const Tensor& x);
Tensor mean(const Tensor& x, const Dims& dims, bool keepdim = false);
// Variance and standard deviation; unbiased divides by N-1 (PyTorch's default), else by N.
Tensor var(const Tensor& x, bool unbiased = true);
Tensor var(const Tensor& x, const Dims& dims, bool unbiased = true, bool keepdim = false);
Tensor std(const Tensor& x, bool unbiased = true);
Tensor std(const Tensor& x, const Dims& dims, bool unbiased = true, bool keepdim = false);
Tensor max(const Tensor& x);
Tensor min(const Tensor& x);
// (values, indices) along dim.
std::tuple<Tensor, Tensor> max(const Tensor& x, std::int64_t dim, bool keepdim = false);
std::tuple<Tensor, Tensor> min(const Tensor& x, std::int64_t dim, bool keepdim = false);
Tensor amax(const Tensor& x, const Dims& dims, bool keepdim = false);
Tensor amin(const Tensor& x, const Dims& dims, bool keepdim = false);
Tensor argmax(const Tensor& x);
Tensor argmax(const Tensor& x, std::int64_t dim, bool keepdim = false);
Tensor argmin(const Tensor& x);
Tensor argmin(const Tensor& x, std::int64_t dim, bool keepdim = false);
// p-norm: p = 1, 2, any positive p, or INFINITY.
Tensor norm(const Tensor& x, double p = 2.0);
Tensor norm(const Tensor& x, double p, const Dims& dims, bool keepdim = false);

Tensor softmax(const Tensor& x, std::int64_t dim);
Tensor log_softmax(const Tensor& x, std::int64_t dim);

}  // namespace keel
