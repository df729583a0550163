#pragma once
// Elementwise ops: arithmetic with broadcasting and type promotion, math functions,
// activations, comparisons and selection. All differentiable ops record autograd history.
#include <string_view>

#include "keel/core/op_list.h"
#include "keel/tensor/tensor.h"

namespace keel {

Tensor add(const Tensor& a, const Tensor& b, double alpha = 1.0);  // a + alpha * b
Tensor sub(const Tensor& a, const Tensor& b, double alpha = 1.0);  // a - alpha * b
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor add(const Tensor& a, double b);
Tensor sub(const Tensor& a, double b);
Tensor mul(const Tensor& a, double b);
Tensor div(const Tensor& a, double b);
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor minimum(const Tensor& a, const Tensor& b);

// exp, log, sigmoid, ...: one declaration per line of KEEL_SIMPLE_UNARY_OPS (keel/core/op_list.h).
#define KEEL_UNARY_DECLARE(Kernel, fn, ...) Tensor fn(const Tensor& x);
KEEL_SIMPLE_UNARY_OPS(KEEL_UNARY_DECLARE)
#undef KEEL_UNARY_DECLARE

Tensor neg(const Tensor& x);
Tensor pow(const Tensor& x, double exponent);
Tensor pow(const Tensor& x, const Tensor& exponent);
Tensor abs(const Tensor& x);
Tensor sign(const Tensor& x);
Tensor clamp(const Tensor& x, double min, double max);
Tensor clamp_min(const Tensor& x, double min);
Tensor clamp_max(const Tensor& x, double max);

// Activations, PyTorch's definitions and defaults.
Tensor relu(const Tensor& x);
Tensor gelu(const Tensor& x, std::string_view approximate = "none");  // "none" (erf) or "tanh"
Tensor leaky_relu(const Tensor& x, double negative_slope = 0.01);
Tensor elu(const Tensor& x, double alpha = 1.0);

// Comparisons return bool tensors.
Tensor eq(const Tensor& a, const Tensor& b);
Tensor ne(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, const Tensor& b);

// Elements of a where cond is true, else of b (all three broadcast together).
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);
// x with the elements where mask (bool, broadcastable to x) is true set to value.
Tensor masked_fill(const Tensor& x, const Tensor& mask, double value);

}  // namespace keel
