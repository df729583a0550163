// Activations with PyTorch's definitions and backward formulas: relu, gelu, leaky_relu, elu
// (sigmoid, tanh and the op table's other simple unary ops are in unary.cpp). Each forward
// and each backward is one kernel pass.
#include <string>

#include "keel/ops/elementwise.h"
#include "ops/unary_util.h"

namespace keel {

using detail::record_unary;
using detail::unary_op;
using kernels::UnaryGradOp;
using kernels::UnaryOp;

namespace {

void check_floating(const Tensor& x, const char* op) {
  KEEL_CHECK(x.is_floating_point(), op, ": expected a floating-point tensor, got ", dtype_name(x.dtype()));
}

}  // namespace

Tensor relu(const Tensor& x) {
  KEEL_CHECK(x.dtype() != kBool, "relu: not supported for bool tensors");
  Tensor out = unary_op(UnaryOp::Relu, x);
  // threshold_backward(grad, result, 0): the gradient at 0 is 0.
  if (x.is_floating_point()) record_unary("ReluBackward0", out, x, UnaryGradOp::Relu, true);
  return out;
}

Tensor gelu(const Tensor& x, std::string_view approximate) {
  const bool tanh_form = approximate == "tanh";
  KEEL_CHECK(tanh_form || approximate == "none",
             "gelu: approximate argument must be either none or tanh, got '", std::string(approximate), "'");
  check_floating(x, "gelu");
  Tensor out = unary_op(tanh_form ? UnaryOp::GeluTanh : UnaryOp::GeluErf, x);
  record_unary("GeluBackward0", out, x, tanh_form ? UnaryGradOp::GeluTanh : UnaryGradOp::GeluErf, false);
  return out;
}

Tensor leaky_relu(const Tensor& x, double negative_slope) {
  check_floating(x, "leaky_relu");
  Tensor out = unary_op(UnaryOp::LeakyRelu, x, {negative_slope, 0});
  record_unary("LeakyReluBackward0", out, x, UnaryGradOp::LeakyRelu, false, {negative_slope, 0});
  return out;
}

Tensor elu(const Tensor& x, double alpha) {
  check_floating(x, "elu");
  Tensor out = unary_op(UnaryOp::Elu, x, {alpha, 0});
  // elu_backward with is_result=false: the formula reads the input, not the output.
  record_unary("EluBackward0", out, x, UnaryGradOp::Elu, false, {alpha, 0});
  return out;
}

Tensor Tensor::relu() const { return keel::relu(*this); }
Tensor Tensor::sigmoid() const { return keel::sigmoid(*this); }
Tensor Tensor::tanh() const { return keel::tanh(*this); }

}  // namespace keel
