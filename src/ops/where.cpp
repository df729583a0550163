// where and masked_fill (out of place and in place) with autograd.
#include "kernels/cpu/where.h"

#include "keel/autograd/node.h"
#include "keel/ops/elementwise.h"
#include "keel/tensor/factories.h"

namespace keel {

using autograd::SavedTensor;
using autograd::sum_to;
using autograd::Tensors;

namespace {

void check_bool(const Tensor& t, const char* op, const char* what) {
  KEEL_CHECK(t.dtype() == kBool, op, ": expected ", what, " to be a bool tensor, but got ",
             dtype_name(t.dtype()), " (shape ", t.sizes(), ")");
}

// g where keep_where is false, 0 where it is true (or the reverse).
Tensor masked_grad(const Tensor& mask, const Tensor& g, bool zero_where_true) {
  Tensor out = empty(broadcast_shapes(mask.sizes(), g.sizes(), "where"), g.dtype());
  Tensor zero = scalar_tensor(0.0, g.dtype());
  kernels::where(out, mask, zero_where_true ? zero : g, zero_where_true ? g : zero);
  return out;
}

}  // namespace

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  check_bool(cond, "where", "condition");
  Dims shape = broadcast_shapes(cond.sizes(), broadcast_shapes(a.sizes(), b.sizes(), "where"), "where");
  DType dt = promote_types(a.dtype(), b.dtype());
  Tensor out = empty(shape, dt);
  kernels::where(out, cond, a.dtype() == dt ? a : a.detach().to(dt), b.dtype() == dt ? b : b.detach().to(dt));
  if (autograd::needs_grad(a, b)) {
    autograd::record("WhereBackward0", out, a, b,
                     [c = SavedTensor(cond), sa = a.sizes(), sb = b.sizes(), ta = a.dtype(), tb = b.dtype(),
                      ga = a.requires_grad(), gb = b.requires_grad()](const Tensor& g) -> Tensors {
                       Tensor da = ga ? sum_to(masked_grad(c.unpack(), g, false), sa).to(ta) : Tensor();
                       Tensor db = gb ? sum_to(masked_grad(c.unpack(), g, true), sb).to(tb) : Tensor();
                       return {da, db};
                     });
  }
  return out;
}

Tensor masked_fill(const Tensor& x, const Tensor& mask, double value) {
  check_bool(mask, "masked_fill", "mask");
  Tensor out = empty(broadcast_shapes(x.sizes(), mask.sizes(), "masked_fill"), x.dtype());
  kernels::where(out, mask, scalar_tensor(value, x.dtype()), x);
  if (autograd::needs_grad(x)) {
    autograd::record("MaskedFillBackward0", out, x,
                     [m = SavedTensor(mask), sx = x.sizes()](const Tensor& g) -> Tensors {
                       return {sum_to(masked_grad(m.unpack(), g, true), sx)};
                     });
  }
  return out;
}

Tensor& Tensor::masked_fill_(const Tensor& mask, double value) {
  check_bool(mask, "masked_fill_", "mask");
  autograd::check_inplace(*this, "masked_fill_");
  KEEL_CHECK(broadcast_shapes(sizes(), mask.sizes(), "masked_fill_") == sizes(),
             "masked_fill_: mask of shape ", mask.sizes(), " cannot be broadcast to the tensor's shape ",
             sizes());
  kernels::where(*this, mask, scalar_tensor(value, dtype()), *this);
  storage()->bump_version();
  if (autograd::GradMode::is_enabled() && requires_grad()) {
    autograd::record_inplace(
        "MaskedFillBackward0", *this, {},
        [m = SavedTensor(mask)](const Tensor& g) -> Tensors { return {masked_grad(m.unpack(), g, true)}; });
  }
  return *this;
}

Tensor Tensor::masked_fill(const Tensor& mask, double value) const {
  return keel::masked_fill(*this, mask, value);
}

}  // namespace keel
