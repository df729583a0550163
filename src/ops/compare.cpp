// Comparisons (bool results, not differentiable) and elementwise maximum/minimum.
#include "keel/ops/elementwise.h"
#include "kernels/cpu/binary.h"
#include "ops/unary_util.h"

namespace keel {

using autograd::SavedTensor;
using autograd::sum_to;
using autograd::Tensors;
using kernels::BinaryGradOp;
using kernels::BinaryOp;

namespace {

Tensor compare(BinaryOp op, const Tensor& a, const Tensor& b, const char* name) {
  Dims shape = broadcast_shapes(a.sizes(), b.sizes(), name);
  DType dt = promote_types(a.dtype(), b.dtype());
  Tensor out = empty(shape, kBool);
  kernels::binary(op, out, a.dtype() == dt ? a : a.to(dt), b.dtype() == dt ? b : b.to(dt));
  return out;
}

// A scalar compares in the tensor's dtype, except that a fractional scalar lifts integer
// and bool tensors to float32 and an integral one lifts bool to int64 (PyTorch's rules).
Tensor scalar_for(const Tensor& t, double v) {
  if (t.is_floating_point()) return scalar_tensor(v, t.dtype());
  if (!detail::is_integral(v)) return scalar_tensor(v, kFloat32);
  return scalar_tensor(v, kInt64);
}

// The gradient of one maximum/minimum operand, in its own shape and dtype.
Tensor extremum_grad(BinaryGradOp op, const Tensor& g, const Tensor& a, const Tensor& b,
                     const Tensor& input) {
  Tensor out = empty(g.sizes(), g.dtype());
  kernels::binary_backward(op, out, g, a, b);
  out = sum_to(out, input.sizes());
  return out.dtype() == input.dtype() ? out : out.to(input.dtype());
}

Tensor extremum(bool is_max, const Tensor& a, const Tensor& b) {
  const char* name = is_max ? "maximum" : "minimum";
  Dims shape = broadcast_shapes(a.sizes(), b.sizes(), name);
  DType dt = promote_types(a.dtype(), b.dtype());
  // The kernels have no bool arithmetic: bool operands pick in int64 and convert back.
  const DType work = dt == kBool ? kInt64 : dt;
  const Tensor ap = a.dtype() == work ? a : a.to(work);
  const Tensor bp = b.dtype() == work ? b : b.to(work);
  Tensor out = empty(shape, work);
  kernels::binary(is_max ? BinaryOp::Maximum : BinaryOp::Minimum, out, ap, bp);
  if (dt == kBool) return out.to(kBool);
  if (autograd::needs_grad(a, b)) {
    // Ties split the gradient half and half, as PyTorch does.
    autograd::record(
        is_max ? "MaximumBackward0" : "MinimumBackward0", out, a, b,
        [sa = SavedTensor(ap), sb = SavedTensor(bp), is_max, a_in = a.requires_grad() ? a.detach() : Tensor(),
         b_in = b.requires_grad() ? b.detach() : Tensor()](const Tensor& g) -> Tensors {
          const Tensor& av = sa.unpack();
          const Tensor& bv = sb.unpack();
          Tensor da = a_in.defined()
                          ? extremum_grad(is_max ? BinaryGradOp::MaxA : BinaryGradOp::MinA, g, av, bv, a_in)
                          : Tensor();
          Tensor db = b_in.defined()
                          ? extremum_grad(is_max ? BinaryGradOp::MaxB : BinaryGradOp::MinB, g, av, bv, b_in)
                          : Tensor();
          return {da, db};
        });
  }
  return out;
}

}  // namespace

Tensor maximum(const Tensor& a, const Tensor& b) { return extremum(true, a, b); }
Tensor minimum(const Tensor& a, const Tensor& b) { return extremum(false, a, b); }

Tensor eq(const Tensor& a, const Tensor& b) { return compare(BinaryOp::Eq, a, b, "eq"); }
Tensor ne(const Tensor& a, const Tensor& b) { return compare(BinaryOp::Ne, a, b, "ne"); }
Tensor lt(const Tensor& a, const Tensor& b) { return compare(BinaryOp::Lt, a, b, "lt"); }
Tensor le(const Tensor& a, const Tensor& b) { return compare(BinaryOp::Le, a, b, "le"); }
Tensor gt(const Tensor& a, const Tensor& b) { return compare(BinaryOp::Gt, a, b, "gt"); }
Tensor ge(const Tensor& a, const Tensor& b) { return compare(BinaryOp::Ge, a, b, "ge"); }

Tensor Tensor::eq(const Tensor& o) const { return keel::eq(*this, o); }
Tensor Tensor::ne(const Tensor& o) const { return keel::ne(*this, o); }
Tensor Tensor::lt(const Tensor& o) const { return keel::lt(*this, o); }
Tensor Tensor::le(const Tensor& o) const { return keel::le(*this, o); }
Tensor Tensor::gt(const Tensor& o) const { return keel::gt(*this, o); }
Tensor Tensor::ge(const Tensor& o) const { return keel::ge(*this, o); }
Tensor Tensor::eq(double o) const { return keel::eq(*this, scalar_for(*this, o)); }
Tensor Tensor::ne(double o) const { return keel::ne(*this, scalar_for(*this, o)); }
Tensor Tensor::lt(double o) const { return keel::lt(*this, scalar_for(*this, o)); }
Tensor Tensor::le(double o) const { return keel::le(*this, scalar_for(*this, o)); }
Tensor Tensor::gt(double o) const { return keel::gt(*this, scalar_for(*this, o)); }
Tensor Tensor::ge(double o) const { return keel::ge(*this, scalar_for(*this, o)); }

Tensor operator<(const Tensor& a, const Tensor& b) { return lt(a, b); }
Tensor operator<=(const Tensor& a, const Tensor& b) { return le(a, b); }
Tensor operator>(const Tensor& a, const Tensor& b) { return gt(a, b); }
Tensor operator>=(const Tensor& a, const Tensor& b) { return ge(a, b); }
Tensor operator<(const Tensor& a, double b) { return a.lt(b); }
Tensor operator<=(const Tensor& a, double b) { return a.le(b); }
Tensor operator>(const Tensor& a, double b) { return a.gt(b); }
Tensor operator>=(const Tensor& a, double b) { return a.ge(b); }

}  // namespace keel
