// Sum, mean, var/std and max/min/argmax/argmin with autograd.
#include "keel/ops/reduce.h"

#include <algorithm>
#include <cmath>

#include "keel/autograd/node.h"
#include "keel/tensor/dispatch.h"
#include "keel/tensor/factories.h"
#include "kernels/cpu/binary.h"
#include "kernels/cpu/reduce.h"
#include "ops/reduce_plan.h"

namespace keel {

using autograd::SavedTensor;
using autograd::Tensors;
using detail::plan_reduce;
using detail::ReducePlan;
using kernels::ReduceOp;

namespace {

// Bool tensors count (sum) or compare (max) as int64, as in PyTorch.
Tensor as_numeric(const Tensor& x) { return x.dtype() == kBool ? x.to(kInt64) : x; }

void check_floating(const Tensor& x, const char* op) {
  KEEL_CHECK(x.is_floating_point(), op,
             "(): could not infer output dtype. Input dtype must be either a floating ",
             "point or complex dtype. Got: ", dtype_name(x.dtype()));
}

// The gradient of a reduction whose every input element got the same upstream value.
Tensor expand_back(const Tensor& g, const Dims& keep, const Dims& in) { return g.reshape(keep).expand(in); }

}  // namespace

// ---- sum and mean ---------------------------------------------------------------------------

Tensor sum(const Tensor& x, const Dims& dims, bool keepdim) {
  const Tensor xn = as_numeric(x);
  ReducePlan p = plan_reduce(xn, dims, "sum");
  Tensor out = empty(p.shape(keepdim), xn.dtype());
  kernels::reduce(ReduceOp::Sum, out, p.src, p.A, p.B, p.C);
  if (autograd::needs_grad(x)) {
    autograd::record(dims.empty() ? "SumBackward0" : "SumBackward1", out, x,
                     [in = x.sizes(), keep = p.keep_shape](const Tensor& g) -> Tensors {
                       return {expand_back(g, keep, in)};
                     });
  }
  return out;
}

Tensor mean(const Tensor& x, const Dims& dims, bool keepdim) {
  check_floating(x, "mean");
  ReducePlan p = plan_reduce(x, dims, "mean");
  Tensor out = empty(p.shape(keepdim), x.dtype());
  kernels::ReduceParams prm;
  prm.divisor = static_cast<double>(p.B);  // 0 for an empty reduction: 0/0 gives nan like PyTorch
  kernels::reduce(ReduceOp::Sum, out, p.src, p.A, p.B, p.C, prm);
  if (autograd::needs_grad(x)) {
    autograd::record(dims.empty() ? "MeanBackward0" : "MeanBackward1", out, x,
                     [in = x.sizes(), keep = p.keep_shape, n = p.B](const Tensor& g) -> Tensors {
                       return {expand_back(g / static_cast<double>(n), keep, in)};
                     });
  }
  return out;
}

Tensor sum(const Tensor& x) { return sum(x, Dims{}, false); }
Tensor mean(const Tensor& x) { return mean(x, Dims{}, false); }

// ---- var and std ----------------------------------------------------------------------------

namespace {

// Two passes in double: the mean of each output, then the sum of squared deviations.
Tensor var_forward(const ReducePlan& p, DType dt, bool keepdim, double correction, bool root) {
  Tensor centers = empty({p.A * p.C}, kFloat64);
  kernels::ReduceParams mp;
  mp.divisor = static_cast<double>(p.B);
  kernels::reduce(ReduceOp::Sum, centers, p.src, p.A, p.B, p.C, mp);
  kernels::ReduceParams vp;
  vp.center = centers.data_ptr<double>();
  vp.divisor = std::max(0.0, static_cast<double>(p.B) - correction);
  vp.root = root ? kernels::ReduceRoot::Sqrt : kernels::ReduceRoot::None;
  Tensor out = empty(p.shape(keepdim), dt);
  kernels::reduce(ReduceOp::SumSqDev, out, p.src, p.A, p.B, p.C, vp);
  return out;
}

// d var / dx = 2 / (N - correction) * g * (x - mean), as PyTorch's var_backward.
Tensor var_backward(const Tensor& g_keep, const Tensor& x, const Dims& dims, double n, double correction) {
  return (g_keep * (2.0 / (n - correction))) * (x - mean(x, dims, true));
}

Tensor var_std(const Tensor& x, const Dims& dims, bool unbiased, bool keepdim, bool is_std) {
  const char* name = is_std ? "std" : "var";
  check_floating(x, name);
  ReducePlan p = plan_reduce(x, dims, name);
  const double corr = unbiased ? 1.0 : 0.0;
  Tensor out = var_forward(p, x.dtype(), keepdim, corr, is_std);
  if (autograd::needs_grad(x)) {
    const Dims all_or_dims = dims.empty() ? Dims{} : p.dims;
    if (!is_std) {
      autograd::record(
          "VarBackward0", out, x,
          [xs = SavedTensor(x), keep = p.keep_shape, all_or_dims, n = p.B, corr](const Tensor& g) {
            return Tensors{var_backward(g.reshape(keep), xs.unpack(), all_or_dims, n, corr)};
          });
    } else {
      autograd::record("StdBackward0", out, x,
                       [xs = SavedTensor(x), res = SavedTensor(out), keep = p.keep_shape, all_or_dims,
                        n = p.B, corr](const Tensor& g) {
                         // grad / (2 std), with 0 where std == 0 (PyTorch masks those instead of giving nan).
                         const Tensor r = res.unpack().reshape(keep);
                         Tensor gv = (g.reshape(keep) / (r * 2.0)).contiguous();
                         const Tensor rc = r.contiguous();
                         KEEL_DISPATCH_FLOATING(gv.dtype(), "std_backward", [&] {
                           scalar_t* gp = gv.data_ptr<scalar_t>();
                           const scalar_t* rp = rc.data_ptr<scalar_t>();
                           for (std::int64_t i = 0; i < gv.numel(); ++i) {
                             if (rp[i] == scalar_t(0)) gp[i] = 0;
                           }
                         });
                         return Tensors{var_backward(gv, xs.unpack(), all_or_dims, n, corr)};
                       });
    }
  }
  return out;
}

}  // namespace

Tensor var(const Tensor& x, const Dims& dims, bool unbiased, bool keepdim) {
  return var_std(x, dims, unbiased, keepdim, false);
}
Tensor var(const Tensor& x, bool unbiased) { return var(x, Dims{}, unbiased, false); }
Tensor std(const Tensor& x, const Dims& dims, bool unbiased, bool keepdim) {
  return var_std(x, dims, unbiased, keepdim, true);
}
Tensor std(const Tensor& x, bool unbiased) { return std(x, Dims{}, unbiased, false); }

// ---- max and min ----------------------------------------------------------------------------

namespace {

// Gradient of a full max/min: the upstream value split evenly among the elements equal to
// the result (or among the NaNs when the result is NaN), as PyTorch's evenly_distribute.
Tensor evenly_distribute(const Tensor& g, const Tensor& x, const Tensor& value) {
  const Tensor xc = x.contiguous();
  Tensor gi = zeros(x.sizes(), x.dtype());
  KEEL_DISPATCH_FLOATING(x.dtype(), "max_backward", [&] {
    const scalar_t* xp = xc.data_ptr<scalar_t>();
    scalar_t* gp = gi.data_ptr<scalar_t>();
    const scalar_t v = value.item<scalar_t>();
    const bool nan = v != v;
    const std::int64_t n = xc.numel();
    std::int64_t count = 0;
    for (std::int64_t i = 0; i < n; ++i) count += nan ? xp[i] != xp[i] : xp[i] == v;
    const scalar_t share = g.item<scalar_t>() / static_cast<scalar_t>(count);
    for (std::int64_t i = 0; i < n; ++i) {
      if (nan ? xp[i] != xp[i] : xp[i] == v) gp[i] = share;
    }
  });
  return gi;
}

Tensor minmax_all(const Tensor& x, bool is_max) {
  const char* name = is_max ? "max" : "min";
  KEEL_CHECK(x.numel() > 0, name,
             "(): Expected reduction dim to be specified for input.numel() == 0. Specify the ",
             "reduction dim with the 'dim' argument.");
  const Tensor xn = as_numeric(x);
  const Tensor src = xn.detach().contiguous();
  Tensor out = empty({}, xn.dtype());
  kernels::reduce(is_max ? ReduceOp::Max : ReduceOp::Min, out, src, 1, src.numel(), 1);
  if (x.dtype() == kBool) out = out.to(kBool);
  if (autograd::needs_grad(x)) {
    autograd::record(is_max ? "MaxBackward1" : "MinBackward1", out, x,
                     [xs = SavedTensor(x), res = SavedTensor(out)](const Tensor& g) {
                       return Tensors{evenly_distribute(g, xs.unpack(), res.unpack())};
                     });
  }
  return out;
}

Tensor amax_amin(const Tensor& x, const Dims& dims, bool keepdim, bool is_max) {
  const char* name = is_max ? "amax" : "amin";
  ReducePlan p = plan_reduce(x, dims, name);
  for (int d : p.dims) {
    KEEL_CHECK(x.size(d) != 0, name, "(): Expected reduction dim ", d, " to have non-zero size.");
  }
  const Tensor xn = as_numeric(x);
  if (xn.dtype() != x.dtype()) p = plan_reduce(xn, dims, name);
  Tensor out = empty(p.shape(keepdim), xn.dtype());
  kernels::reduce(is_max ? ReduceOp::Max : ReduceOp::Min, out, p.src, p.A, p.B, p.C);
  if (x.dtype() == kBool) out = out.to(kBool);
  if (autograd::needs_grad(x)) {
    // (g / count) * mask, where mask marks the elements equal to their result: ties share.
    autograd::record(is_max ? "AmaxBackward0" : "AminBackward0", out, x,
                     [xs = SavedTensor(x), res = SavedTensor(out), keep = p.keep_shape,
                      all_or_dims = dims.empty() ? Dims{} : p.dims](const Tensor& g) {
                       const Tensor& xv = xs.unpack();
                       Tensor mask = empty(xv.sizes(), kBool);
                       kernels::binary(kernels::BinaryOp::Eq, mask, xv, res.unpack().reshape(keep));
                       const Tensor maskf = mask.to(xv.dtype());
                       const Tensor count = sum(maskf, all_or_dims, true);
                       return Tensors{(g.reshape(keep) / count) * maskf};
                     });
  }
  return out;
}

// (values, indices) of the max/min along dim, and the gradient that goes to each index.
std::tuple<Tensor, Tensor> minmax_dim(const Tensor& x, std::int64_t dim, bool keepdim, bool is_max,
                                      const char* name, bool want_values) {
  const int d = wrap_dim(dim, x.dim(), name);
  if (x.dim() > 0) {
    KEEL_CHECK(x.size(d) != 0, name, "(): Expected reduction dim ", d, " to have non-zero size.");
  }
  const Tensor xn = as_numeric(x);
  ReducePlan p = x.dim() > 0 ? detail::plan_reduce_dim(xn, d) : plan_reduce(xn, {}, name);
  Tensor values = empty(p.shape(keepdim), xn.dtype());
  Tensor indices = empty(p.shape(keepdim), kInt64);
  kernels::arg_reduce(is_max, values, indices, p.src, p.A, p.B, p.C);
  if (!want_values) return {Tensor(), indices};
  if (x.dtype() == kBool) values = values.to(kBool);
  if (autograd::needs_grad(x)) {
    autograd::record(
        is_max ? "MaxBackward0" : "MinBackward0", values, x,
        [idx = SavedTensor(indices), in = x.sizes(), A = p.A, B = p.B, C = p.C](const Tensor& g) {
          const Tensor gc = g.contiguous();
          const Tensor ic = idx.unpack().contiguous();
          Tensor gi = zeros(in, g.dtype());
          KEEL_DISPATCH_FLOATING(g.dtype(), "max_backward", [&] {
            const scalar_t* gp = gc.data_ptr<scalar_t>();
            const std::int64_t* ip = ic.data_ptr<std::int64_t>();
            scalar_t* op = gi.data_ptr<scalar_t>();
            for (std::int64_t a = 0; a < A; ++a) {
              for (std::int64_t c = 0; c < C; ++c) op[(a * B + ip[a * C + c]) * C + c] = gp[a * C + c];
            }
          });
          return Tensors{gi};
        });
  }
  return {values, indices};
}

Tensor arg_all(const Tensor& x, bool is_max) {
  const char* name = is_max ? "argmax" : "argmin";
  KEEL_CHECK(x.numel() > 0, name, "(): Expected reduction dim to be specified for input.numel() == 0.");
  const Tensor src = as_numeric(x).detach().contiguous();
  Tensor values = empty({}, src.dtype());
  Tensor index = empty({}, kInt64);
  kernels::arg_reduce(is_max, values, index, src, 1, src.numel(), 1);
  return index;
}

}  // namespace

Tensor max(const Tensor& x) { return minmax_all(x, true); }
Tensor min(const Tensor& x) { return minmax_all(x, false); }
std::tuple<Tensor, Tensor> max(const Tensor& x, std::int64_t dim, bool keepdim) {
  return minmax_dim(x, dim, keepdim, true, "max", true);
}
std::tuple<Tensor, Tensor> min(const Tensor& x, std::int64_t dim, bool keepdim) {
  return minmax_dim(x, dim, keepdim, false, "min", true);
}
Tensor amax(const Tensor& x, const Dims& dims, bool keepdim) { return amax_amin(x, dims, keepdim, true); }
Tensor amin(const Tensor& x, const Dims& dims, bool keepdim) { return amax_amin(x, dims, keepdim, false); }
Tensor argmax(const Tensor& x) { return arg_all(x, true); }
Tensor argmin(const Tensor& x) { return arg_all(x, false); }
Tensor argmax(const Tensor& x, std::int64_t dim, bool keepdim) {
  return std::get<1>(minmax_dim(x, dim, keepdim, true, "argmax", false));
}
Tensor argmin(const Tensor& x, std::int64_t dim, bool keepdim) {
  return std::get<1>(minmax_dim(x, dim, keepdim, false, "argmin", false));
}

// ---- Tensor methods -------------------------------------------------------------------------

Tensor Tensor::sum() const { return keel::sum(*this); }
Tensor Tensor::sum(const Dims& dims, bool keepdim) const { return keel::sum(*this, dims, keepdim); }
Tensor Tensor::mean() const { return keel::mean(*this); }
Tensor Tensor::mean(const Dims& dims, bool keepdim) const { return keel::mean(*this, dims, keepdim); }
Tensor Tensor::var(bool unbiased) const { return keel::var(*this, unbiased); }
Tensor Tensor::var(const Dims& dims, bool unbiased, bool keepdim) const {
  return keel::var(*this, dims, unbiased, keepdim);
}
Tensor Tensor::std(bool unbiased) const { return keel::std(*this, unbiased); }
Tensor Tensor::std(const Dims& dims, bool unbiased, bool keepdim) const {
  return keel::std(*this, dims, unbiased, keepdim);
}
Tensor Tensor::max() const { return keel::max(*this); }
Tensor Tensor::min() const { return keel::min(*this); }
std::tuple<Tensor, Tensor> Tensor::max(std::int64_t dim, bool keepdim) const {
  return keel::max(*this, dim, keepdim);
}
std::tuple<Tensor, Tensor> Tensor::min(std::int64_t dim, bool keepdim) const {
  return keel::min(*this, dim, keepdim);
}
Tensor Tensor::amax(const Dims& dims, bool keepdim) const { return keel::amax(*this, dims, keepdim); }
Tensor Tensor::amin(const Dims& dims, bool keepdim) const { return keel::amin(*this, dims, keepdim); }
Tensor Tensor::argmax() const { return keel::argmax(*this); }
Tensor Tensor::argmax(std::int64_t dim, bool keepdim) const { return keel::argmax(*this, dim, keepdim); }
Tensor Tensor::argmin() const { return keel::argmin(*this); }
Tensor Tensor::argmin(std::int64_t dim, bool keepdim) const { return keel::argmin(*this, dim, keepdim); }

}  // namespace keel
