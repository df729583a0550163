#pragma once
// Shared plumbing of the elementwise math, activation and comparison ops: run a unary
// kernel into a fresh tensor, and record a backward that is one fused kernel pass.
#include "keel/autograd/node.h"
#include "keel/tensor/factories.h"
#include "kernels/cpu/unary.h"

namespace keel::detail {

// out = op(x), a new contiguous tensor of x's shape and dtype.
inline Tensor unary_op(kernels::UnaryOp op, const Tensor& x, kernels::UnaryParams p = {}) {
  Tensor out = empty(x.sizes(), x.dtype());
  kernels::unary(op, out, x, p);
  return out;
}

// Floating-point math on an integer or bool tensor computes in float32, as in PyTorch.
inline Tensor float_input(const Tensor& x) { return x.is_floating_point() ? x : x.to(kFloat32); }

// The input gradient f(g, s) of a unary op, in s's dtype and shape.
inline Tensor unary_grad(kernels::UnaryGradOp op, const Tensor& g, const Tensor& s,
                         kernels::UnaryParams p = {}) {
  Tensor out = empty(s.sizes(), s.dtype());
  kernels::unary_backward(op, out, g.dtype() == s.dtype() ? g : g.to(s.dtype()), s, p);
  return out;
}

// Records `name` on out = op(x) when x needs grad; the backward is unary_grad(op, g, s)
// with s the saved input (save_output false) or output (true).
inline void record_unary(const char* name, Tensor& out, const Tensor& x, kernels::UnaryGradOp op,
                         bool save_output, kernels::UnaryParams p = {}) {
  if (!autograd::needs_grad(x)) return;
  autograd::SavedTensor s(save_output ? out : x);
  autograd::record(name, out, x, [s, op, p](const Tensor& g) -> autograd::Tensors {
    return {unary_grad(op, g, s.unpack(), p)};
  });
}

// True when v is a whole number (PyTorch keeps integer dtypes for integral scalars).
inline bool is_integral(double v) { return v == static_cast<double>(static_cast<std::int64_t>(v)); }

}  // namespace keel::detail
