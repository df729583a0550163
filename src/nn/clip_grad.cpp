#include "keel/nn/utils/clip_grad.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "keel/tensor/dispatch.h"
#include "keel/tensor/factories.h"
#include "kernels/cpu/parallel.h"

namespace keel::nn::utils {

namespace {

using kernels::kGrain;
using kernels::parallel_for;

// sum |x|^p (p = 1, 2, other) or max |x| (p = inf), accumulated in double over fixed
// chunks so the result does not depend on the thread count.
template <class T>
double reduce_abs(const T* x, std::int64_t n, double p) {
  const std::int64_t chunks = (n + kGrain - 1) / kGrain;
  std::vector<double> part(static_cast<std::size_t>(std::max<std::int64_t>(chunks, 1)), 0.0);
  parallel_for(0, chunks, 1, [&](std::int64_t cb, std::int64_t ce) {
    for (std::int64_t c = cb; c < ce; ++c) {
      const std::int64_t b = c * kGrain, e = std::min(n, b + kGrain);
      double acc = 0;
      if (std::isinf(p)) {
        for (std::int64_t i = b; i < e; ++i) {
          const double a = std::abs(static_cast<double>(x[i]));
          acc = (a > acc || a != a) ? a : acc;
        }
      } else if (p == 1) {
#pragma omp simd reduction(+ : acc)
        for (std::int64_t i = b; i < e; ++i) acc += std::abs(static_cast<double>(x[i]));
      } else if (p == 2) {
#pragma omp simd reduction(+ : acc)
        for (std::int64_t i = b; i < e; ++i) acc += static_cast<double>(x[i]) * static_cast<double>(x[i]);
      } else if (p == 0) {
        for (std::int64_t i = b; i < e; ++i) acc += x[i] != T(0) ? 1.0 : 0.0;
      } else {
        for (std::int64_t i = b; i < e; ++i) acc += std::pow(std::abs(static_cast<double>(x[i])), p);
      }
      part[c] = acc;
    }
  });
  double total = 0;
  for (double v : part) total = std::isinf(p) ? ((v > total || v != v) ? v : total) : total + v;
  return total;
}

// The p-norm of a list of values given their reduce_abs accumulation.
double finish_norm(double acc, double p) {
  if (std::isinf(p) || p == 0 || p == 1) return acc;
  if (p == 2) return std::sqrt(acc);
  return std::pow(acc, 1.0 / p);
}

template <class T>
void scale(T* x, std::int64_t n, T s) {
  parallel_for(0, n, kGrain, [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t i = b; i < e; ++i) x[i] = x[i] * s;
  });
}

template <class T>
void clamp(T* x, std::int64_t n, T lo, T hi) {
  parallel_for(0, n, kGrain, [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t i = b; i < e; ++i) x[i] = x[i] < lo ? lo : (x[i] > hi ? hi : x[i]);
  });
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
    double norm = KEEL_DISPATCH_FLOATING(c.dtype(), "clip_grad_norm_", [&] {
      return static_cast<double>(
          static_cast<scalar_t>(finish_norm(reduce_abs(c.data_ptr<scalar_t>(), c.numel(), p), p)));
    });
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
        KEEL_DISPATCH_FLOATING(c.dtype(), "clip_grad_norm_", [&] {
          scale(c.data_ptr<scalar_t>(), c.numel(), static_cast<scalar_t>(coef));
        });
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
      KEEL_DISPATCH_FLOATING(c.dtype(), "clip_grad_value_", [&] {
        clamp(c.data_ptr<scalar_t>(), c.numel(), static_cast<scalar_t>(-clip_value),
              static_cast<scalar_t>(clip_value));
      });
    });
  }
}

void clip_grad_value_(const Tensor& parameter, double clip_value) {
  clip_grad_value_(std::vector<Tensor>{parameter}, clip_value);
}

}  // namespace keel::nn::utils
