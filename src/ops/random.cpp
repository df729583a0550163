// The in-place random fills uniform_ and normal_ (declared in keel/tensor/random.h): the
// draws come from tensor/'s generator; the in-place checks and the autograd record are here,
// in ops/, like every op's.
#include "keel/tensor/random.h"

#include "keel/autograd/node.h"
#include "tensor/random_fill.h"

namespace keel {

namespace {

// Shared tail of the in-place fills: autograd checks, the write, version and history.
template <class F>
Tensor& fill_inplace(Tensor& t, const char* op, const char* backward_name, const F& fill) {
  KEEL_CHECK(t.is_floating_point(), op, ": expected a floating-point tensor, got ", dtype_name(t.dtype()));
  autograd::check_inplace(t, op);
  fill(t);
  t.storage()->bump_version();
  if (autograd::GradMode::is_enabled() && t.requires_grad()) {
    // The new values do not depend on the old ones: the gradient to the old value is zero.
    autograd::record_inplace(backward_name, t, {},
                             [](const Tensor&) -> autograd::Tensors { return {Tensor()}; });
  }
  return t;
}

}  // namespace

Tensor& uniform_(Tensor& t, double from, double to, Generator* gen) {
  KEEL_CHECK(from <= to, "uniform_: expects to return a [from, to) range, but found from=", from,
             " > to=", to);
  return fill_inplace(t, "uniform_", "UniformBackward0",
                      [&](const Tensor& out) { detail::uniform_fill(out, from, to, gen); });
}

Tensor& normal_(Tensor& t, double mean, double std, Generator* gen) {
  KEEL_CHECK(std >= 0, "normal_: expects std >= 0.0, but found std ", std);
  return fill_inplace(t, "normal_", "NormalBackward0",
                      [&](const Tensor& out) { detail::normal_fill(out, mean, std, gen); });
}

}  // namespace keel
