// + - * / with broadcasting, type promotion and autograd, in and out of place.
#include "keel/autograd/grad_mode.h"
#include "keel/autograd/node.h"
#include "keel/ops/elementwise.h"
#include "keel/tensor/factories.h"
#include "kernels/cpu/binary.h"

namespace keel {

using autograd::SavedTensor;
using autograd::sum_to;
using autograd::Tensors;
using kernels::BinaryOp;

namespace {

// Runs a binary kernel after promoting both operands to a common dtype.
Tensor binary_forward(BinaryOp op, const Tensor& a, const Tensor& b, double alpha, const char* name) {
  Dims shape = broadcast_shapes(a.sizes(), b.sizes(), name);
  DType dt = promote_types(a.dtype(), b.dtype());
  if (dt == kBool) dt = kInt64;  // arithmetic on bool counts in int64
  Tensor out = empty(shape, dt);
  kernels::binary(op, out, a.dtype() == dt ? a : a.to(dt), b.dtype() == dt ? b : b.to(dt), alpha);
  return out;
}

// The dtype a scalar operand takes: the tensor's, or float32 for an integer tensor and a
// non-integral scalar (PyTorch's rule for Python scalars).
DType scalar_dtype(const Tensor& t, double v) {
  if (t.is_floating_point()) return t.dtype();
  return v == static_cast<double>(static_cast<std::int64_t>(v)) ? t.dtype() : kFloat32;
}

Tensor wrap(const Tensor& t, double v) { return scalar_tensor(v, scalar_dtype(t, v)); }

}  // namespace

Tensor add(const Tensor& a, const Tensor& b, double alpha) {
  Tensor out = binary_forward(BinaryOp::Add, a, b, alpha, "add");
  if (autograd::needs_grad(a, b)) {
    autograd::record("AddBackward0", out, a, b,
                     [sa = a.sizes(), sb = b.sizes(), alpha](const Tensor& g) -> Tensors {
                       return {sum_to(g, sa), sum_to(alpha == 1.0 ? g : g * alpha, sb)};
                     });
  }
  return out;
}

Tensor sub(const Tensor& a, const Tensor& b, double alpha) {
  Tensor out = binary_forward(BinaryOp::Sub, a, b, alpha, "sub");
  if (autograd::needs_grad(a, b)) {
    autograd::record("SubBackward0", out, a, b,
                     [sa = a.sizes(), sb = b.sizes(), alpha](const Tensor& g) -> Tensors {
                       return {sum_to(g, sa), sum_to(g * -alpha, sb)};
                     });
  }
  return out;
}

Tensor mul(const Tensor& a, const Tensor& b) {
  Tensor out = binary_forward(BinaryOp::Mul, a, b, 1.0, "mul");
  if (autograd::needs_grad(a, b)) {
    bool ga = a.requires_grad(), gb = b.requires_grad();
    autograd::record("MulBackward0", out, a, b,
                     [sa = gb ? SavedTensor(a) : SavedTensor(), sb = ga ? SavedTensor(b) : SavedTensor(),
                      shape_a = a.sizes(), shape_b = b.sizes()](const Tensor& g) -> Tensors {
                       Tensor da = sb.defined() ? sum_to(g * sb.unpack(), shape_a) : Tensor();
                       Tensor db = sa.defined() ? sum_to(g * sa.unpack(), shape_b) : Tensor();
                       return {da, db};
                     });
  }
  return out;
}

Tensor div(const Tensor& a, const Tensor& b) {
  // Integer division promotes to float, as PyTorch's true division does.
  bool ints = !a.is_floating_point() && !b.is_floating_point();
  Tensor out = ints ? binary_forward(BinaryOp::Div, a.to(kFloat32), b.to(kFloat32), 1.0, "div")
                    : binary_forward(BinaryOp::Div, a, b, 1.0, "div");
  if (autograd::needs_grad(a, b)) {
    bool ga = a.requires_grad();
    autograd::record("DivBackward0", out, a, b,
                     [sa = b.requires_grad() ? SavedTensor(a) : SavedTensor(), sb = SavedTensor(b),
                      shape_a = a.sizes(), shape_b = b.sizes(), ga](const Tensor& g) -> Tensors {
                       const Tensor& bv = sb.unpack();
                       Tensor da = ga ? sum_to(g / bv, shape_a) : Tensor();
                       Tensor db = sa.defined() ? sum_to(-g * sa.unpack() / (bv * bv), shape_b) : Tensor();
                       return {da, db};
                     });
  }
  return out;
}

Tensor add(const Tensor& a, double b) { return add(a, wrap(a, b)); }
Tensor sub(const Tensor& a, double b) { return sub(a, wrap(a, b)); }
Tensor mul(const Tensor& a, double b) { return mul(a, wrap(a, b)); }
Tensor div(const Tensor& a, double b) { return div(a, wrap(a, b)); }

Tensor neg(const Tensor& x) { return mul(x, -1.0); }

// ---- Tensor methods and operators ----------------------------------------------------------

Tensor Tensor::add(const Tensor& o, double alpha) const { return keel::add(*this, o, alpha); }
Tensor Tensor::sub(const Tensor& o, double alpha) const { return keel::sub(*this, o, alpha); }
Tensor Tensor::mul(const Tensor& o) const { return keel::mul(*this, o); }
Tensor Tensor::div(const Tensor& o) const { return keel::div(*this, o); }
Tensor Tensor::neg() const { return keel::neg(*this); }

Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
Tensor operator+(const Tensor& a, double b) { return add(a, b); }
Tensor operator-(const Tensor& a, double b) { return sub(a, b); }
Tensor operator*(const Tensor& a, double b) { return mul(a, b); }
Tensor operator/(const Tensor& a, double b) { return div(a, b); }
Tensor operator+(double a, const Tensor& b) { return add(b, a); }
// a - b records one node, as PyTorch's rsub (RsubBackward1), whose gradient is -g.
Tensor operator-(double a, const Tensor& b) {
  Tensor out;
  {
    NoGradGuard no_grad;
    out = add(neg(b), a);
  }
  if (autograd::needs_grad(b)) {
    autograd::record("RsubBackward1", out, b, [](const Tensor& g) -> Tensors { return {neg(g)}; });
  }
  return out;
}
Tensor operator*(double a, const Tensor& b) { return mul(b, a); }
Tensor operator/(double a, const Tensor& b) { return div(wrap(b, a), b); }
Tensor operator-(const Tensor& a) { return neg(a); }

// ---- in place ------------------------------------------------------------------------------

namespace {

// self = op(self, other) in place; other is broadcast to self's shape and converted.
void binary_inplace(BinaryOp op, Tensor& self, const Tensor& other, double alpha, const char* name) {
  autograd::check_inplace(self, name);
  KEEL_CHECK(broadcast_shapes(self.sizes(), other.sizes(), name) == self.sizes(), name,
             ": output with shape ", self.sizes(), " doesn't match the broadcast shape of the inputs (",
             other.sizes(), ")");
  KEEL_CHECK(self.dtype() == promote_types(self.dtype(), other.dtype()), name, ": result type ",
             dtype_name(promote_types(self.dtype(), other.dtype())),
             " can't be cast to the desired output type ", dtype_name(self.dtype()));
  const Tensor& o = other.dtype() == self.dtype() ? other : other.to(self.dtype());
  // When other overlaps self in memory (x += x.t()), read from a copy.
  Tensor src = (o.shares_storage(self) && !(o.sizes() == self.sizes() && o.strides() == self.strides() &&
                                            o.storage_offset() == self.storage_offset()))
                   ? o.detach().clone()
                   : o;
  kernels::binary(op, self, self, src, alpha);
  self.storage()->bump_version();
}

// add_ and sub_ (sub_ adds -alpha * other): one kernel and backward, each under its own
// PyTorch name, so errors and grad_fn say which method ran.
Tensor& add_inplace(Tensor& self, const Tensor& other, double alpha, const char* op, const char* node) {
  binary_inplace(BinaryOp::Add, self, other, alpha, op);
  if (autograd::needs_grad(self, other)) {
    autograd::record_inplace(node, self, {&other}, [sb = other.sizes(), alpha](const Tensor& g) -> Tensors {
      return {g, sum_to(alpha == 1.0 ? g : g * alpha, sb)};
    });
  }
  return self;
}

}  // namespace

Tensor& Tensor::add_(const Tensor& other, double alpha) {
  return add_inplace(*this, other, alpha, "add_", "AddBackward0");
}

Tensor& Tensor::sub_(const Tensor& other, double alpha) {
  return add_inplace(*this, other, -alpha, "sub_", "SubBackward0");
}

Tensor& Tensor::mul_(const Tensor& other) {
  bool grad = autograd::needs_grad(*this, other);
  SavedTensor before = grad && other.requires_grad() ? SavedTensor(clone().detach()) : SavedTensor();
  binary_inplace(BinaryOp::Mul, *this, other, 1.0, "mul_");
  if (grad) {
    autograd::record_inplace(
        "MulBackward0", *this, {&other},
        [before, so = SavedTensor(other.detach()), sb = other.sizes()](const Tensor& g) -> Tensors {
          Tensor db = before.defined() ? sum_to(g * before.unpack(), sb) : Tensor();
          return {g * so.unpack(), db};
        });
  }
  return *this;
}

Tensor& Tensor::div_(const Tensor& other) {
  KEEL_CHECK(is_floating_point(),
             "div_: true division of an integer tensor in place is not possible; the "
             "result type float can't be cast to ",
             dtype_name(dtype()));
  bool grad = autograd::needs_grad(*this, other);
  SavedTensor before = grad && other.requires_grad() ? SavedTensor(clone().detach()) : SavedTensor();
  binary_inplace(BinaryOp::Div, *this, other, 1.0, "div_");
  if (grad) {
    autograd::record_inplace(
        "DivBackward0", *this, {&other},
        [before, so = SavedTensor(other.detach()), sb = other.sizes()](const Tensor& g) -> Tensors {
          const Tensor& b = so.unpack();
          Tensor db = before.defined() ? sum_to(-g * before.unpack() / (b * b), sb) : Tensor();
          return {g / b, db};
        });
  }
  return *this;
}

Tensor& Tensor::add_(double other) { return add_(wrap(*this, other)); }
Tensor& Tensor::sub_(double other) { return add_(wrap(*this, -other)); }
Tensor& Tensor::mul_(double other) { return mul_(wrap(*this, other)); }
Tensor& Tensor::div_(double other) { return div_(wrap(*this, other)); }

}  // namespace keel
