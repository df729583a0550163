#pragma once
// Elementwise math and activation kernels, and the fused loops of their backward formulas.
#include "keel/core/view.h"

// The op table (its simple unary ops are the first enumerators below).
#include "keel/core/op_list.h"

namespace keel::kernels {

enum class UnaryOp : int {
#define KEEL_UNARY_ENUM(Kernel, ...) Kernel,
  KEEL_SIMPLE_UNARY_OPS(KEEL_UNARY_ENUM)  // exp, log, ... (keel/core/op_list.h)
#undef KEEL_UNARY_ENUM
  Neg,
  Abs,
  Sign,
  Pow,        // x ** a
  Clamp,      // min(max(x, a), b); NaN stays NaN
  ClampMin,   // max(x, a)
  ClampMax,   // min(x, a)
  Relu,       // max(x, 0) (keeps -0 and NaN, as clamp_min does)
  GeluErf,    // x * 0.5 * (1 + erf(x / sqrt(2)))
  GeluTanh,   // 0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 x^3)))
  LeakyRelu,  // x > 0 ? x : a * x
  Elu,        // x > 0 ? x : a * (exp(x) - 1)
};

// Backward formulas out = f(g, s) of one upstream gradient g and one saved tensor s, which
// is the op's input x or its output y as named (PyTorch's formulas, fused into one pass).
enum class UnaryGradOp : int {
#define KEEL_UNARY_ENUM(Kernel, ...) Kernel,
  KEEL_SIMPLE_UNARY_OPS(KEEL_UNARY_ENUM)  // s as op_list.h's Saved column says
#undef KEEL_UNARY_ENUM
  Abs,        // s = x: g * sign(x)
  Pow,        // s = x: a == 0 ? 0 : g * (a * x^(a - 1))
  Clamp,      // s = x: a <= x <= b ? g : 0
  ClampMin,   // s = x: x >= a ? g : 0
  ClampMax,   // s = x: x <= a ? g : 0
  Relu,       // s = y: y <= 0 ? 0 : g
  GeluErf,    // s = x
  GeluTanh,   // s = x
  LeakyRelu,  // s = x: x > 0 ? g : a * g
  Elu,        // s = x: x <= 0 ? g * a * exp(x) : g
};

// Backward formulas out = f(g, a, b) of two saved operands (maximum/minimum, pow).
enum class BinaryGradOp : int {
  MaxA,  // grad of maximum for a: ties split half each
  MaxB,
  MinA,
  MinB,
  PowBase,      // b == 0 ? 0 : g * (b * a^(b - 1))
  PowExponent,  // (a == 0 && b >= 0) ? 0 : g * (a^b * log(a))
};

struct UnaryParams {
  double a = 0.0;
  double b = 0.0;
};

// out = op(x), x broadcast to out's shape. out and x share one dtype: float32 or float64,
// or int64 for Neg, Abs, Sign, Pow (non-negative integral exponent), Clamp*, Relu.
void unary(UnaryOp op, const View& out, const View& x, UnaryParams p = {});

// out = f(g, s); g and s broadcast to out's shape, all floating point of one dtype.
void unary_backward(UnaryGradOp op, const View& out, const View& g, const View& s, UnaryParams p = {});

// out = f(g, a, b); broadcast to out's shape, all floating point of one dtype.
void binary_backward(BinaryGradOp op, const View& out, const View& g, const View& a, const View& b);

}  // namespace keel::kernels
