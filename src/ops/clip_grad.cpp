// clip_grad_norm_ and clip_grad_value_: gradient norms and in-place scaling over the
// gradient-norm kernels.
#include "keel/ops/clip_grad.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "keel/tensor/dispatch.h"
#include "keel/tensor/factories.h"
#include "kernels/cpu/grad_norm.h"

namespace keel::ops {

namespace {

// The p-norm of a list of values given their accumulated |x|^p (kernels::abs_pow_sum).
double finish_norm(double acc, double p) {
  if (std::isinf(p) || p == 0 || p == 1) return acc;
  if (p == 2) return std::sqrt(acc);
  return std::pow(acc, 1.0 / p);
}

std::vector<Tensor> grads_of(const std::vector<Tensor>& params, const char* op) {
  std::vector<Tensor> grads;
  for (const Tensor& p : params) {
    KEEL_CHECK(p.defined(), op, ": a parameter is an undefined tensor");
    Tensor g = p.grad();
    if (!g.defined()) continue;
    KEEL_CHECK(g.is_floating_point(), op, ": expected floating-point gradients, got ", dtype_name(g.dtype()));
    grads.push_back(g);
  }
  return grads;
}

// Runs fn on a contiguous view of g's data, writing back when g is not contiguous.
template <class F>
void with_contiguous(const Tensor& g, F&& fn) {
  if (g.is_contiguous()) {
    fn(g);
  } else {
    Tensor tmp = g.detach().contiguous();
    fn(tmp);
    g.detach().copy_(tmp);
  }
  g.storage()->bump_version();
}

}  // namespace

Tensor clip_grad_norm_(const std::vector<Tensor>& parameters, double max_norm, double p,
                       bool error_if_nonfinite) {
  KEEL_CHECK(p >= 0 || std::isinf(p), "clip_grad_norm_: norm_type must be non-negative or inf, got ", p);
  KEEL_CHECK(!(std::isinf(p) && p < 0), "clip_grad_norm_: norm_type -inf is not supported");
  std::vector<Tensor> grads = grads_of(parameters, "clip_grad_norm_");
  if (grads.empty()) return scalar_tensor(0.0);
  const DType dt = grads[0].dtype();
  // PyTorch takes each gradient's norm in its dtype, then the norm of those norms.
  double total = 0;
  for (const Tensor& g : grads) {
    Tensor c = g.contiguous();
    // Each gradient's norm is rounded to its dtype (PyTorch's torch.norm returns one).
    double norm = finish_norm(kernels::abs_pow_sum(c.dtype(), c.raw_data(), c.numel(), p), p);
    norm = c.dtype() == kFloat32 ? static_cast<double>(static_cast<float>(norm)) : norm;
    norm = dt == kFloat32 ? static_cast<double>(static_cast<float>(norm)) : norm;
    if (std::isinf(p)) {
      total = (norm > total || norm != norm) ? norm : total;
    } else if (p == 0) {
      total += norm != 0 ? 1.0 : 0.0;
    } else if (p == 1) {
      total += norm;
    } else if (p == 2) {
      total += norm * norm;
    } else {
      total += std::pow(norm, p);
    }
  }
  total = finish_norm(total, p);
  Tensor result = scalar_tensor(total, dt);
  const double total_t = result.item();
  KEEL_CHECK(
      !error_if_nonfinite || std::isfinite(total_t), "clip_grad_norm_: The total norm of order ", p,
      " for gradients from `parameters` is non-finite, so it cannot be clipped. To disable this error and "
      "scale the gradients by the non-finite norm anyway, set `error_if_nonfinite=False`");
  KEEL_DISPATCH_FLOATING(dt, "clip_grad_norm_", [&] {
    // clip_coef = max_norm / (total_norm + 1e-6), clamped to at most 1, in the norm's dtype.
    const scalar_t coef =
        static_cast<scalar_t>(max_norm) / (static_cast<scalar_t>(total_t) + static_cast<scalar_t>(1e-6));
    if (!(coef < scalar_t(1))) {
      if (!std::isnan(coef)) return;  // multiplying by 1 changes nothing
    }
    for (const Tensor& g : grads) {
      with_contiguous(g, [&](const Tensor& c) {
        kernels::scale_inplace(c.dtype(), c.raw_data(), c.numel(), static_cast<double>(coef));
      });
    }
  });
  return result;
}

Tensor clip_grad_norm_(const Tensor& parameter, double max_norm, double norm_type, bool error_if_nonfinite) {
  return clip_grad_norm_(std::vector<Tensor>{parameter}, max_norm, norm_type, error_if_nonfinite);
}

void clip_grad_value_(const std::vector<Tensor>& parameters, double clip_value) {
  for (const Tensor& g : grads_of(parameters, "clip_grad_value_")) {
    with_contiguous(g, [&](const Tensor& c) {
      kernels::clamp_inplace(c.dtype(), c.raw_data(), c.numel(), -clip_value, clip_value);
    });
  }
}

void clip_grad_value_(const Tensor& parameter, double clip_value) {
  clip_grad_value_(std::vector<Tensor>{parameter}, clip_value);
}

}  // namespace keel::ops
