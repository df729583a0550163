// Vector p-norms over all elements or given dims, with PyTorch's norm_backward.
#include <cmath>

#include "keel/autograd/node.h"
#include "keel/ops/reduce.h"
#include "keel/tensor/dispatch.h"
#include "keel/tensor/factories.h"
#include "kernels/cpu/reduce.h"
#include "ops/reduce_plan.h"

namespace keel {

using autograd::SavedTensor;
using autograd::Tensors;
using kernels::ReduceOp;

namespace {

template <class T>
T sgn(T v) {
  return static_cast<T>((v > T(0)) - (v < T(0)));
}

// Per element, with n the norm and g the upstream gradient of x's group (PyTorch's cases):
//   p = 1: sgn(x) g;  p = 2: g x / n (0 where n = 0);  p = +-inf: sgn(x) g / count on the
//   elements whose |x| equals n (or is NaN);  p < 1: sgn(x) |x|^(p-1) g n^(1-p) (0 at x = 0);
//   otherwise: sgn(x) |x|^(p-1) g / n^(p-1) (0 where n = 0).
Tensor norm_backward(const Tensor& g, const Tensor& x, const Tensor& norm, double p, const Dims& keep,
                     const Dims& all_or_dims) {
  if (p == 0.0) return zeros(x.sizes(), x.dtype());
  const Tensor xc = x.contiguous();
  const Tensor nc = norm.reshape(keep).expand(x.sizes()).contiguous();
  Tensor gc = g.reshape(keep).expand(x.sizes()).contiguous();
  Tensor out = empty(x.sizes(), x.dtype());
  const std::int64_t n = x.numel();
  KEEL_DISPATCH_FLOATING(x.dtype(), "norm_backward", [&] {
    const scalar_t* xp = xc.data_ptr<scalar_t>();
    const scalar_t* np = nc.data_ptr<scalar_t>();
    scalar_t* op = out.data_ptr<scalar_t>();
    if (std::isinf(p)) {
      // Each group's gradient is shared among its extreme elements.
      for (std::int64_t i = 0; i < n; ++i) {
        const scalar_t a = std::fabs(xp[i]);
        op[i] = (a == np[i] || a != a) ? scalar_t(1) : scalar_t(0);
      }
      const Tensor count = sum(out, all_or_dims, true).expand(x.sizes()).contiguous();
      const scalar_t* cp = count.data_ptr<scalar_t>();
      const scalar_t* gp = gc.data_ptr<scalar_t>();
      for (std::int64_t i = 0; i < n; ++i) op[i] = sgn(xp[i]) * ((gp[i] / cp[i]) * op[i]);
      return;
    }
    const scalar_t* gp = gc.data_ptr<scalar_t>();
    const scalar_t ps = static_cast<scalar_t>(p);
    for (std::int64_t i = 0; i < n; ++i) {
      const scalar_t v = xp[i], nv = np[i], gv = gp[i];
      if (p == 1.0) {
        op[i] = sgn(v) * gv;
      } else if (p == 2.0) {
        op[i] = gv * (nv == scalar_t(0) ? scalar_t(0) : v / nv);
      } else if (p < 1.0) {
        const scalar_t scaled = sgn(v) * (v == scalar_t(0) ? scalar_t(0) : std::pow(std::fabs(v), ps - 1));
        op[i] = scaled * gv * std::pow(nv, 1 - ps);
      } else {
        const scalar_t scale = nv == scalar_t(0) ? scalar_t(0) : gv / std::pow(nv, ps - 1);
        op[i] = sgn(v) * std::pow(std::fabs(v), ps - 1) * scale;
      }
    }
  });
  return out;
}

}  // namespace

Tensor norm(const Tensor& x, double p, const Dims& dims, bool keepdim) {
  KEEL_CHECK(x.is_floating_point(), "norm(): input dtype should be either floating point or complex. Got ",
             dtype_name(x.dtype()), " instead.");
  KEEL_CHECK(!std::isnan(p), "norm(): p must not be nan");
  detail::ReducePlan plan = detail::plan_reduce(x, dims, "norm");
  kernels::ReduceParams prm;
  ReduceOp op = ReduceOp::SumPow;
  if (p == 2.0) {
    op = ReduceOp::SumSq;
    prm.root = kernels::ReduceRoot::Sqrt;
  } else if (p == 1.0) {
    op = ReduceOp::SumAbs;
  } else if (p == 0.0) {
    op = ReduceOp::CountNonzero;
  } else if (std::isinf(p)) {
    op = p > 0 ? ReduceOp::MaxAbs : ReduceOp::MinAbs;
    KEEL_CHECK(plan.B > 0 || plan.A * plan.C == 0, "norm(): cannot compute the ", p,
               " norm on an empty tensor because the operation does not have an identity");
  } else {
    prm.p = p;
    prm.root = kernels::ReduceRoot::Pow;
  }
  Tensor out = empty(plan.shape(keepdim), x.dtype());
  kernels::reduce(op, out, plan.src, plan.A, plan.B, plan.C, prm);
  if (autograd::needs_grad(x)) {
    autograd::record("NormBackward1", out, x,  // PyTorch 1.13 names every p-norm so
                     [xs = SavedTensor(x), res = SavedTensor(out), p, keep = plan.keep_shape,
                      all_or_dims = dims.empty() ? Dims{} : plan.dims](const Tensor& g) {
                       return Tensors{norm_backward(g, xs.unpack(), res.unpack(), p, keep, all_or_dims)};
                     });
  }
  return out;
}

Tensor norm(const Tensor& x, double p) { return norm(x, p, Dims{}, false); }

Tensor Tensor::norm(double p) const { return keel::norm(*this, p); }
Tensor Tensor::norm(double p, const Dims& dims, bool keepdim) const {
  return keel::norm(*this, p, dims, keepdim);
}

}  // namespace keel
