// Binary cross-entropy: one forward kernel pass, the reduction, and one backward node whose
// formulas are PyTorch's binary_cross_entropy_backward and binary_cross_entropy_target_backward.
#include "keel/ops/binary_cross_entropy.h"

#include <string>

#include "keel/autograd/node.h"
#include "keel/ops/reduce.h"
#include "keel/tensor/factories.h"
#include "kernels/cpu/binary_cross_entropy.h"

namespace keel {
namespace {

enum class Reduce { None, Mean, Sum };

Reduce parse(std::string_view r) {
  if (r == "none") return Reduce::None;
  if (r == "mean") return Reduce::Mean;
  KEEL_CHECK(r == "sum", "binary_cross_entropy: '", std::string(r),
             "' is not a valid value for reduction (expected none, mean or sum)");
  return Reduce::Sum;
}

// t as a contiguous tensor of dtype dt (a copy only when t is not one already).
Tensor contiguous_as(const Tensor& t, DType dt) { return (t.dtype() == dt ? t : t.to(dt)).contiguous(); }

template <class T>
const T* data_or_null(const Tensor& t) {
  return t.defined() ? t.data_ptr<T>() : nullptr;
}

template <class T>
void forward(const Tensor& loss, const Tensor& x, const Tensor& t, const Tensor& w) {
  kernels::bce_loss(loss.data_ptr<T>(), x.data_ptr<T>(), t.data_ptr<T>(), data_or_null<T>(w), x.numel());
}

// g is the upstream gradient: one value for a reduced loss, else one per element.
template <class T>
Tensor input_grad(const Tensor& g, const Tensor& x, const Tensor& t, const Tensor& w, double divisor) {
  Tensor out = empty(x.sizes(), x.dtype());
  kernels::bce_backward_input(out.data_ptr<T>(), g.data_ptr<T>(), g.numel() == 1 ? 0 : 1, x.data_ptr<T>(),
                              t.data_ptr<T>(), data_or_null<T>(w), divisor, x.numel());
  return out;
}

template <class T>
Tensor target_grad(const Tensor& g, const Tensor& x, const Tensor& w, double divisor) {
  Tensor out = empty(x.sizes(), x.dtype());
  kernels::bce_backward_target(out.data_ptr<T>(), g.data_ptr<T>(), g.numel() == 1 ? 0 : 1, x.data_ptr<T>(),
                               data_or_null<T>(w), divisor, x.numel());
  return out;
}

void check_probabilities(const Tensor& x) {
  const Tensor c = x.to(kFloat64).contiguous();
  const double* p = c.data_ptr<double>();
  for (std::int64_t i = 0; i < c.numel(); ++i)
    KEEL_CHECK(p[i] >= 0.0 && p[i] <= 1.0,
               "binary_cross_entropy: all elements of input should be between 0 and 1, got ", p[i]);
}

}  // namespace

Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight,
                            std::string_view reduction) {
  const Reduce red = parse(reduction);
  KEEL_CHECK(input.sizes() == target.sizes(), "binary_cross_entropy: target size ", target.sizes(),
             " must be the same as input size ", input.sizes());
  KEEL_CHECK(input.is_floating_point(), "binary_cross_entropy: expected a floating-point input, got ",
             dtype_name(input.dtype()));
  const DType dt = input.dtype();
  const Tensor x = input.detach().contiguous();
  check_probabilities(x);
  const Tensor t = contiguous_as(target.detach(), dt);
  const Tensor w = weight.defined() ? contiguous_as(weight.detach().expand(input.sizes()), dt) : Tensor();
  Tensor loss = empty(x.sizes(), dt);
  if (dt == kFloat32)
    forward<float>(loss, x, t, w);
  else
    forward<double>(loss, x, t, w);
  if (red == Reduce::Mean) loss = loss.mean();
  if (red == Reduce::Sum) loss = loss.sum();
  if (autograd::needs_grad(input, target)) {
    // Mean divides the gradient by the element count after the weight, as PyTorch does.
    const double divisor = red == Reduce::Mean ? static_cast<double>(x.numel()) : 1.0;
    const bool want_target = target.requires_grad();
    autograd::record(
        "BinaryCrossEntropyBackward0", loss, input, target,
        [x, t, w, divisor, want_target](const Tensor& grad) -> autograd::Tensors {
          const Tensor g = contiguous_as(grad, x.dtype());
          const bool f32 = x.dtype() == kFloat32;
          Tensor gx = f32 ? input_grad<float>(g, x, t, w, divisor) : input_grad<double>(g, x, t, w, divisor);
          Tensor gt;
          if (want_target)
            gt = f32 ? target_grad<float>(g, x, w, divisor) : target_grad<double>(g, x, w, divisor);
          return {gx, gt};
        });
  }
  return loss;
}

}  // namespace keel
