// Elementwise math: the op table's simple unary ops (exp, log, sigmoid, ...: every line of
// KEEL_SIMPLE_UNARY_OPS), pow, abs, sign, clamp (and clamp_ in place).
// Backward formulas are PyTorch's (derivatives.yaml), each fused into one kernel pass.
#include "keel/ops/elementwise.h"
#include "kernels/cpu/binary.h"
#include "ops/unary_util.h"

namespace keel {

using autograd::SavedTensor;
using autograd::sum_to;
using autograd::Tensors;
using detail::float_input;
using detail::is_integral;
using detail::record_unary;
using detail::unary_op;
using kernels::BinaryGradOp;
using kernels::UnaryGradOp;
using kernels::UnaryOp;
using kernels::UnaryParams;

namespace {

// Integer kernels take int64; bool joins them the way PyTorch's promotion does.
Tensor int_input(const Tensor& x) { return x.dtype() == kBool ? x.to(kInt64) : x; }

// The gradient of one pow(x, e) operand, brought back to its own shape and dtype.
Tensor pow_operand_grad(BinaryGradOp op, const Tensor& g, const Tensor& x, const Tensor& e,
                        const Tensor& input) {
  Tensor out = empty(g.sizes(), g.dtype());
  kernels::binary_backward(op, out, g, x, e);
  out = sum_to(out, input.sizes());
  return out.dtype() == input.dtype() ? out : out.to(input.dtype());
}

}  // namespace

// The unary math the op table defines completely: the kernel into a fresh tensor, and a
// backward that is one fused kernel pass reading the saved input or output.
#define KEEL_UNARY_DEFINE(Kernel, fn, Node, saved, ...)                                                  \
  Tensor fn(const Tensor& x) {                                                                           \
    Tensor out = unary_op(UnaryOp::Kernel, float_input(x));                                              \
    record_unary(#Node, out, x, UnaryGradOp::Kernel, op_table::Saved::saved == op_table::Saved::Output); \
    return out;                                                                                          \
  }
KEEL_SIMPLE_UNARY_OPS(KEEL_UNARY_DEFINE)
#undef KEEL_UNARY_DEFINE

Tensor pow(const Tensor& x, double exponent) {
  if (!x.is_floating_point() && is_integral(exponent)) {
    KEEL_CHECK(exponent >= 0, "pow: Integers to negative integer powers are not allowed (exponent ", exponent,
               ")");
    return unary_op(UnaryOp::Pow, int_input(x), {exponent, 0});
  }
  Tensor out = unary_op(UnaryOp::Pow, float_input(x), {exponent, 0});
  record_unary("PowBackward0", out, x, UnaryGradOp::Pow, false, {exponent, 0});
  return out;
}

Tensor pow(const Tensor& x, const Tensor& exponent) {
  Dims shape = broadcast_shapes(x.sizes(), exponent.sizes(), "pow");
  DType dt = promote_types(x.dtype(), exponent.dtype());
  if (dt == kBool) dt = kInt64;
  const Tensor xp = x.dtype() == dt ? x : x.to(dt);
  const Tensor ep = exponent.dtype() == dt ? exponent : exponent.to(dt);
  if (dt == kInt64) {
    const Tensor e = ep.contiguous();
    const std::int64_t* v = e.data_ptr<std::int64_t>();
    for (std::int64_t i = 0; i < e.numel(); ++i)
      KEEL_CHECK(v[i] >= 0, "pow: Integers to negative integer powers are not allowed (exponent ", v[i], ")");
  }
  Tensor out = empty(shape, dt);
  kernels::binary(kernels::BinaryOp::Pow, out, xp, ep);
  if (autograd::needs_grad(x, exponent)) {
    autograd::record(
        "PowBackward1", out, x, exponent,
        [sx = SavedTensor(xp), se = SavedTensor(ep), x_in = x.requires_grad() ? x.detach() : Tensor(),
         e_in = exponent.requires_grad() ? exponent.detach() : Tensor()](const Tensor& g) -> Tensors {
          const Tensor& xv = sx.unpack();
          const Tensor& ev = se.unpack();
          Tensor dx = x_in.defined() ? pow_operand_grad(BinaryGradOp::PowBase, g, xv, ev, x_in) : Tensor();
          Tensor de =
              e_in.defined() ? pow_operand_grad(BinaryGradOp::PowExponent, g, xv, ev, e_in) : Tensor();
          return {dx, de};
        });
  }
  return out;
}

Tensor abs(const Tensor& x) {
  KEEL_CHECK(x.dtype() != kBool, "abs: not supported for bool tensors");
  Tensor out = unary_op(UnaryOp::Abs, x);
  if (x.is_floating_point()) record_unary("AbsBackward0", out, x, UnaryGradOp::Abs, false);
  return out;
}

Tensor sign(const Tensor& x) {
  if (x.dtype() == kBool) return x.clone();  // sign of true is true, as in PyTorch
  Tensor out = unary_op(UnaryOp::Sign, x);
  if (x.is_floating_point() && autograd::needs_grad(x)) {
    autograd::record("SignBackward0", out, x, [](const Tensor& g) -> Tensors { return {zeros_like(g)}; });
  }
  return out;
}

namespace {

// Clamps stay integer when x and every bound are integers; else they compute in float.
Tensor clamp_impl(const Tensor& x, UnaryOp op, UnaryGradOp grad_op, UnaryParams p, bool integral_bounds,
                  const char* name, const char* node) {
  KEEL_CHECK(x.dtype() != kBool, name, ": not supported for bool tensors");
  if (!x.is_floating_point() && integral_bounds) return unary_op(op, x, p);
  Tensor out = unary_op(op, float_input(x), p);
  record_unary(node, out, x, grad_op, false, p);
  return out;
}

}  // namespace

Tensor clamp(const Tensor& x, double min, double max) {
  return clamp_impl(x, UnaryOp::Clamp, UnaryGradOp::Clamp, {min, max}, is_integral(min) && is_integral(max),
                    "clamp", "ClampBackward1");
}

Tensor clamp_min(const Tensor& x, double min) {
  return clamp_impl(x, UnaryOp::ClampMin, UnaryGradOp::ClampMin, {min, 0}, is_integral(min), "clamp_min",
                    "ClampMinBackward0");
}

Tensor clamp_max(const Tensor& x, double max) {
  return clamp_impl(x, UnaryOp::ClampMax, UnaryGradOp::ClampMax, {max, 0}, is_integral(max), "clamp_max",
                    "ClampMaxBackward0");
}

Tensor& Tensor::clamp_(double min, double max) {
  autograd::check_inplace(*this, "clamp_");
  KEEL_CHECK(dtype() != kBool, "clamp_: not supported for bool tensors");
  KEEL_CHECK(is_floating_point() || (is_integral(min) && is_integral(max)),
             "clamp_: result type float32 can't be cast to the desired output type ", dtype_name(dtype()),
             " (min ", min, ", max ", max, ")");
  const bool grad = autograd::needs_grad(*this);
  // The backward needs the values before clamping, which the in-place write destroys.
  SavedTensor before = grad ? SavedTensor(detach().clone()) : SavedTensor();
  kernels::unary(UnaryOp::Clamp, *this, *this, {min, max});
  storage()->bump_version();
  if (grad) {
    autograd::record_inplace("ClampBackward1", *this, {}, [before, min, max](const Tensor& g) -> Tensors {
      return {detail::unary_grad(UnaryGradOp::Clamp, g, before.unpack(), {min, max})};
    });
  }
  return *this;
}

// ---- Tensor methods ------------------------------------------------------------------------

Tensor Tensor::pow(double e) const { return keel::pow(*this, e); }
Tensor Tensor::pow(const Tensor& e) const { return keel::pow(*this, e); }
Tensor Tensor::exp() const { return keel::exp(*this); }
Tensor Tensor::log() const { return keel::log(*this); }
Tensor Tensor::sqrt() const { return keel::sqrt(*this); }
Tensor Tensor::rsqrt() const { return keel::rsqrt(*this); }
Tensor Tensor::abs() const { return keel::abs(*this); }
Tensor Tensor::sign() const { return keel::sign(*this); }
Tensor Tensor::clamp(double min, double max) const { return keel::clamp(*this, min, max); }
Tensor Tensor::clamp_min(double min) const { return keel::clamp_min(*this, min); }
Tensor Tensor::clamp_max(double max) const { return keel::clamp_max(*this, max); }

}  // namespace keel
