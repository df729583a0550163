// batch_norm, layer_norm, instance_norm and group_norm: argument checks, the running-statistics
// update, and autograd records around the fused kernels in kernels/cpu/normalization.
#include "keel/ops/normalization.h"

#include <cmath>
#include <sstream>
#include <vector>

#include "keel/autograd/node.h"
#include "keel/core/allocator.h"
#include "keel/tensor/dispatch.h"
#include "keel/tensor/factories.h"
#include "kernels/cpu/normalization.h"

namespace keel::ops {

using autograd::SavedTensor;
using autograd::Tensors;

namespace {

void check_input(const Tensor& x, const char* op) {
  KEEL_CHECK(x.defined(), op, ": input is undefined");
  KEEL_CHECK(x.is_floating_point(), op, ": expected a floating-point input, got ", dtype_name(x.dtype()));
}

// A per-channel (or per-normalized-element) tensor: optional, with `shape` and x's dtype.
void check_param(const Tensor& t, const Dims& shape, const Tensor& x, const char* what, const char* op) {
  if (!t.defined()) return;
  KEEL_CHECK(t.sizes() == shape || (shape.size() == 1 && t.numel() == shape[0] && t.dim() == 1), op, ": ",
             what, " should have shape ", shape, ", got ", t.sizes(), " (input of shape ", x.sizes(), ")");
  KEEL_CHECK(t.dtype() == x.dtype(), op, ": expected ", what, " of dtype ", dtype_name(x.dtype()), ", got ",
             dtype_name(t.dtype()));
}

void check_running(const Tensor& t, std::int64_t c, const Tensor& x, const char* what, const char* op) {
  if (!t.defined()) return;
  KEEL_CHECK(t.numel() == c, op, ": ", what, " should contain ", c, " elements not ", t.numel(),
             " (input of shape ", x.sizes(), ")");
  KEEL_CHECK(t.is_floating_point() && t.is_contiguous(), op, ": ", what,
             " must be a contiguous floating-point tensor");
}

// The per-channel arguments of a batch norm over c channels.
void check_batch_norm_args(const Tensor& input, std::int64_t c, const Tensor& weight, const Tensor& bias,
                           const Tensor& running_mean, const Tensor& running_var, bool training) {
  check_param(weight, Dims{c}, input, "weight", "batch_norm");
  check_param(bias, Dims{c}, input, "bias", "batch_norm");
  check_running(running_mean, c, input, "running_mean", "batch_norm");
  check_running(running_var, c, input, "running_var", "batch_norm");
  KEEL_CHECK(training || (running_mean.defined() && running_var.defined()),
             "batch_norm: running_mean and running_var must be defined in evaluation mode");
}

// Product of the sizes after dim 1 (the spatial extent of (N, C, *)).
std::int64_t spatial(const Tensor& x) {
  std::int64_t s = 1;
  for (int d = 2; d < x.dim(); ++d) s *= x.size(d);
  return s;
}

const Tensor& contiguous_or(const Tensor& t, Tensor& storage) {
  if (!t.defined() || t.is_contiguous()) return t;
  storage = t.contiguous();
  return storage;
}

// running = (1 - momentum) * running + momentum * value[c], in place and outside autograd.
void update_running(const Tensor& running, const std::vector<double>& value, double momentum) {
  KEEL_DISPATCH_FLOATING(running.dtype(), "update_running", [&] {
    scalar_t* r = running.data_ptr<scalar_t>();
    for (std::size_t c = 0; c < value.size(); ++c)
      r[c] = static_cast<scalar_t>((1.0 - momentum) * static_cast<double>(r[c]) + momentum * value[c]);
  });
  running.storage()->bump_version();
}

std::vector<double> to_doubles(const Tensor& t) {
  Tensor d = t.detach().to(kFloat64).contiguous();
  const double* p = d.data_ptr<double>();
  return {p, p + d.numel()};
}

bool wants(const Tensor& t) { return t.defined() && t.requires_grad(); }

// Training: the running statistics move toward the batch's (its variance made unbiased, as
// PyTorch's running_var), `count` values per channel.
void update_running_stats(const Tensor& running_mean, const Tensor& running_var, const Tensor& mean,
                          const Tensor& var, std::int64_t count, double momentum) {
  const double cnt = static_cast<double>(count);
  std::vector<double> m = to_doubles(mean), v = to_doubles(var);
  for (double& vi : v) vi = vi * cnt / (cnt - 1.0);
  update_running(running_mean, m, momentum);
  update_running(running_var, v, momentum);
}

// Evaluation: normalize with the running statistics.
void set_eval_stats(const Tensor& running_mean, const Tensor& running_var, double eps, const Tensor& mean,
                    const Tensor& invstd) {
  std::vector<double> rm = to_doubles(running_mean), rv = to_doubles(running_var);
  double* pm = mean.data_ptr<double>();
  double* pi = invstd.data_ptr<double>();
  for (std::size_t i = 0; i < rm.size(); ++i) {
    pm[i] = rm[i];
    pi[i] = 1.0 / std::sqrt(rv[i] + eps);
  }
}

// Records the fused backward of a normalization whose kernel takes (g, x, w) and writes
// (dx, dw, db); dw and db take the shape of weight and bias.
template <class Backward>
void record_norm(const char* name, Tensor& out, const Tensor& input, const Tensor& x, const Tensor& weight,
                 const Tensor& bias, Backward backward) {
  if (!autograd::needs_grad(std::vector<Tensor>{input, weight, bias})) return;
  autograd::record(name, out, {&input, &weight, &bias},
                   [sx = SavedTensor(x), sw = weight.defined() ? SavedTensor(weight) : SavedTensor(),
                    need_x = wants(input), need_w = wants(weight), need_b = wants(bias),
                    pshape = weight.defined() ? weight.sizes() : (bias.defined() ? bias.sizes() : Dims{}),
                    backward](const Tensor& grad) -> Tensors {
                     const Tensor& xv = sx.unpack();
                     Tensor g =
                         grad.dtype() == xv.dtype() ? grad.contiguous() : grad.to(xv.dtype()).contiguous();
                     Tensor dx = need_x ? empty(xv.sizes(), xv.dtype()) : Tensor();
                     Tensor dw = need_w ? empty(pshape, xv.dtype()) : Tensor();
                     Tensor db = need_b ? empty(pshape, xv.dtype()) : Tensor();
                     backward(g, xv, sw.defined() ? sw.unpack() : Tensor(), dx, dw, db);
                     return {dx, dw, db};
                   });
}

}  // namespace

namespace {

Tensor batch_norm_impl(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                       const Tensor& weight, const Tensor& bias, bool training, double momentum, double eps,
                       bool relu) {
  check_input(input, "batch_norm");
  KEEL_CHECK(input.dim() >= 2,
             "batch_norm: expected input of shape (N, C, *) with at least 2 dims, got shape ", input.sizes());
  const std::int64_t n = input.size(0), c = input.size(1), s = spatial(input);
  check_batch_norm_args(input, c, weight, bias, running_mean, running_var, training);
  KEEL_CHECK(running_mean.defined() == running_var.defined(),
             "batch_norm: running_mean and running_var must be both defined or both undefined");
  KEEL_CHECK(!training || n * s != 1, "Expected more than 1 value per channel when training, got input size ",
             input.sizes());
  Tensor xs, ws, bs;
  const Tensor& x = contiguous_or(input, xs);
  const Tensor& w = contiguous_or(weight, ws);
  const Tensor& b = contiguous_or(bias, bs);
  Tensor y = empty(input.sizes(), input.dtype());
  Tensor mean = empty({c}, kFloat64), invstd = empty({c}, kFloat64);
  if (training) {
    Tensor var = empty({c}, kFloat64);
    kernels::batch_norm_train_forward(x, n, c, s, w, b, eps, y, mean, invstd, var, relu);
    if (running_mean.defined() && n * s > 0)
      update_running_stats(running_mean, running_var, mean, var, n * s, momentum);
  } else {
    set_eval_stats(running_mean, running_var, eps, mean, invstd);
    kernels::batch_norm_apply(x, n, c, s, mean, invstd, w, b, y, relu);
  }
  // The fused ReLU's backward needs the output (its mask); SavedTensor keeps a detached alias.
  record_norm(relu ? "BatchNormReluBackward" : "NativeBatchNormBackward0", y, input, x, w, bias,
              [n, c, s, mean, invstd, training, sy = relu ? SavedTensor(y) : SavedTensor()](
                  const Tensor& g, const Tensor& xv, const Tensor& wv, const Tensor& dx, const Tensor& dw,
                  const Tensor& db) {
                kernels::batch_norm_backward(g, xv, n, c, s, mean, invstd, wv, training, dx, dw, db,
                                             sy.defined() ? sy.unpack() : Tensor());
              });
  return y;
}

}  // namespace

Tensor batch_norm_relu_max_pool2d(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                                  const Tensor& weight, const Tensor& bias, bool training, double momentum,
                                  double eps) {
  check_input(input, "batch_norm_relu_max_pool2d");
  KEEL_CHECK(input.dim() == 4 && input.size(2) % 2 == 0 && input.size(3) % 2 == 0,
             "batch_norm_relu_max_pool2d: expected input of shape (N, C, H, W) with even H and W, got shape ",
             input.sizes());
  const std::int64_t n = input.size(0), c = input.size(1), h = input.size(2), w = input.size(3);
  KEEL_CHECK(h * w < (std::int64_t{1} << 31), "batch_norm_relu_max_pool2d: planes of ", h, "x", w,
             " are too large for 32-bit window positions");
  check_batch_norm_args(input, c, weight, bias, running_mean, running_var, training);
  KEEL_CHECK(!training || n * h * w != 1,
             "Expected more than 1 value per channel when training, got input size ", input.sizes());
  Tensor xs, ws, bs;
  const Tensor& x = contiguous_or(input, xs);
  const Tensor& wt = contiguous_or(weight, ws);
  const Tensor& b = contiguous_or(bias, bs);
  Tensor y = empty({n, c, h / 2, w / 2}, input.dtype());
  // What the backward reads, kept only when there will be one: each window's argmax position
  // (int32, from keel's caching allocator: no tensor dtype of that width) and x there.
  const bool grad = autograd::needs_grad(std::vector<Tensor>{input, weight, bias});
  Tensor xmax = grad ? empty(y.sizes(), input.dtype()) : Tensor();
  const std::size_t arg_bytes = grad ? static_cast<std::size_t>(y.numel()) * sizeof(std::int32_t) : 0;
  std::shared_ptr<void> arg;
  if (grad)
    arg.reset(allocator::allocate(arg_bytes), [arg_bytes](void* p) { allocator::deallocate(p, arg_bytes); });
  View arg_view{};
  arg_view.data = arg.get();
  Tensor mean = empty({c}, kFloat64), invstd = empty({c}, kFloat64), var;
  if (training) {
    var = empty({c}, kFloat64);
  } else {
    set_eval_stats(running_mean, running_var, eps, mean, invstd);
  }
  kernels::batch_norm_relu_pool_forward(x, n, c, h, w, wt, b, eps, training, mean, invstd,
                                        var.defined() ? View(var) : View(), y, arg_view,
                                        xmax.defined() ? View(xmax) : View());
  if (training && running_mean.defined() && n * h * w > 0)
    update_running_stats(running_mean, running_var, mean, var, n * h * w, momentum);
  if (!grad) return y;
  record_norm("BatchNormReluMaxPool2dBackward", y, input, x, wt, bias,
              [n, c, h, w, mean, invstd, training, arg, arg_view, sy = SavedTensor(y),
               sm = SavedTensor(xmax)](const Tensor& g, const Tensor& xv, const Tensor& wv, const Tensor& dx,
                                       const Tensor& dw, const Tensor& db) {
                kernels::batch_norm_relu_pool_backward(g, xv, n, c, h, w, sy.unpack(), arg_view, sm.unpack(),
                                                       mean, invstd, wv, training, dx, dw, db);
              });
  return y;
}

Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                  const Tensor& weight, const Tensor& bias, bool training, double momentum, double eps) {
  return batch_norm_impl(input, running_mean, running_var, weight, bias, training, momentum, eps, false);
}

Tensor batch_norm_relu(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                       const Tensor& weight, const Tensor& bias, bool training, double momentum, double eps) {
  return batch_norm_impl(input, running_mean, running_var, weight, bias, training, momentum, eps, true);
}

Tensor layer_norm(const Tensor& input, const Dims& normalized_shape, const Tensor& weight, const Tensor& bias,
                  double eps) {
  check_input(input, "layer_norm");
  const int k = normalized_shape.size();
  bool ok = k >= 1 && input.dim() >= k;
  for (int i = 0; ok && i < k; ++i) ok = input.size(input.dim() - k + i) == normalized_shape[i];
  if (!ok) {
    Dims tail = normalized_shape;
    detail::fail(
        "layer_norm: Given normalized_shape=", normalized_shape, ", expected input with shape [*",
        [&] {
          std::ostringstream os;
          for (std::int64_t d : tail) os << ", " << d;
          return os.str();
        }(),
        "], but got input of size", input.sizes());
  }
  check_param(weight, normalized_shape, input, "weight", "layer_norm");
  check_param(bias, normalized_shape, input, "bias", "layer_norm");
  const std::int64_t m = normalized_shape.numel(), rows = m == 0 ? 0 : input.numel() / m;
  Tensor xs, ws, bs;
  const Tensor& x = contiguous_or(input, xs);
  const Tensor& w = contiguous_or(weight, ws);
  const Tensor& b = contiguous_or(bias, bs);
  Tensor y = empty(input.sizes(), input.dtype());
  Tensor mean = empty({rows}, kFloat64), rstd = empty({rows}, kFloat64);
  kernels::layer_norm_forward(x, rows, m, w, b, eps, y, mean, rstd);
  record_norm("NativeLayerNormBackward0", y, input, x, w, bias,
              [rows, m, mean, rstd](const Tensor& g, const Tensor& xv, const Tensor& wv, const Tensor& dx,
                                    const Tensor& dw, const Tensor& db) {
                kernels::layer_norm_backward(g, xv, rows, m, mean, rstd, wv, dx, dw, db);
              });
  return y;
}

namespace {

// Group norm with `groups` groups over (N, C, *), optionally writing each group's biased
// variance (instance norm's running statistics need it).
Tensor group_norm_impl(const Tensor& input, std::int64_t groups, const Tensor& weight, const Tensor& bias,
                       double eps, const char* name, Tensor* mean_out, Tensor* var_out) {
  const std::int64_t n = input.size(0), c = input.size(1), s = spatial(input);
  Tensor xs, ws, bs;
  const Tensor& x = contiguous_or(input, xs);
  const Tensor& w = contiguous_or(weight, ws);
  const Tensor& b = contiguous_or(bias, bs);
  Tensor y = empty(input.sizes(), input.dtype());
  Tensor mean = empty({n * groups}, kFloat64), rstd = empty({n * groups}, kFloat64);
  if (mean_out) *mean_out = mean;
  if (var_out) *var_out = empty({n * groups}, kFloat64);
  kernels::group_norm_forward(x, n, c, s, groups, w, b, eps, y, mean, rstd, var_out ? *var_out : Tensor());
  record_norm(name, y, input, x, w, bias,
              [n, c, s, groups, mean, rstd](const Tensor& g, const Tensor& xv, const Tensor& wv,
                                            const Tensor& dx, const Tensor& dw, const Tensor& db) {
                kernels::group_norm_backward(g, xv, n, c, s, groups, mean, rstd, wv, dx, dw, db);
              });
  return y;
}

}  // namespace

Tensor group_norm(const Tensor& input, std::int64_t num_groups, const Tensor& weight, const Tensor& bias,
                  double eps) {
  check_input(input, "group_norm");
  KEEL_CHECK(input.dim() >= 2,
             "group_norm: expected input of shape (N, C, *) with at least 2 dims, got shape ", input.sizes());
  const std::int64_t c = input.size(1);
  KEEL_CHECK(num_groups > 0, "group_norm: num_groups must be positive, got ", num_groups);
  KEEL_CHECK(
      c % num_groups == 0,
      "group_norm: Expected number of channels in input to be divisible by num_groups, but got input of "
      "shape ",
      input.sizes(), " and num_groups=", num_groups);
  check_param(weight, Dims{c}, input, "weight", "group_norm");
  check_param(bias, Dims{c}, input, "bias", "group_norm");
  return group_norm_impl(input, num_groups, weight, bias, eps, "NativeGroupNormBackward0", nullptr, nullptr);
}

Tensor instance_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                     const Tensor& weight, const Tensor& bias, bool use_input_stats, double momentum,
                     double eps) {
  check_input(input, "instance_norm");
  KEEL_CHECK(input.dim() >= 2,
             "instance_norm: expected input of shape (N, C, *) with at least 2 dims, got shape ",
             input.sizes());
  const std::int64_t n = input.size(0), c = input.size(1), s = spatial(input);
  check_param(weight, Dims{c}, input, "weight", "instance_norm");
  check_param(bias, Dims{c}, input, "bias", "instance_norm");
  check_running(running_mean, c, input, "running_mean", "instance_norm");
  check_running(running_var, c, input, "running_var", "instance_norm");
  KEEL_CHECK(running_mean.defined() == running_var.defined(),
             "instance_norm: running_mean and running_var must be both defined or both undefined");
  if (!use_input_stats) {
    KEEL_CHECK(running_mean.defined(),
               "instance_norm: Expected running_mean and running_var to be defined when "
               "use_input_stats is false");
    return batch_norm(input, running_mean, running_var, weight, bias, false, momentum, eps);
  }
  KEEL_CHECK(s > 1, "Expected more than 1 spatial element when training, got input size ", input.sizes());
  Tensor mean, var;
  Tensor y =
      group_norm_impl(input, c, weight, bias, eps, "NativeInstanceNormBackward0",
                      running_mean.defined() ? &mean : nullptr, running_mean.defined() ? &var : nullptr);
  if (running_mean.defined() && n > 0) {
    // PyTorch updates one running copy per instance and averages them over the batch, which is
    // the running value moved towards the batch average of the instance statistics.
    const double* pm = mean.data_ptr<double>();
    const double* pv = var.data_ptr<double>();
    const double unbias = static_cast<double>(s) / static_cast<double>(s - 1);
    std::vector<double> m(c, 0.0), v(c, 0.0);
    for (std::int64_t i = 0; i < n; ++i)
      for (std::int64_t j = 0; j < c; ++j) {
        m[j] += pm[i * c + j] / static_cast<double>(n);
        v[j] += pv[i * c + j] * unbias / static_cast<double>(n);
      }
    update_running(running_mean, m, momentum);
    update_running(running_var, v, momentum);
  }
  return y;
}

}  // namespace keel::ops
