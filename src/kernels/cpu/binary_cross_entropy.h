#pragma once
// Binary cross-entropy's elementwise loops on raw contiguous arrays, with PyTorch's numerics:
// the forward clamps each log at -100 and the backward divides by max(x (1 - x), 1e-12), so
// predictions of exactly 0 or 1 give large finite values instead of inf or NaN.
#include <cstdint>

namespace keel::kernels {

// loss[i] = w[i] * ((t[i] - 1) * max(log(1 - x[i]), -100) - t[i] * max(log(x[i]), -100));
// w may be null (no weight).
void bce_loss(float* loss, const float* x, const float* t, const float* w, std::int64_t n);
void bce_loss(double* loss, const double* x, const double* t, const double* w, std::int64_t n);

// grad_x[i] = g[i] * (x[i] - t[i]) / max((1 - x[i]) x[i], 1e-12) * w[i] / divisor, with g[i] = g[0]
// when g_stride is 0 (a reduced loss) and w null for no weight.
void bce_backward_input(float* grad_x, const float* g, std::int64_t g_stride, const float* x, const float* t,
                        const float* w, double divisor, std::int64_t n);
void bce_backward_input(double* grad_x, const double* g, std::int64_t g_stride, const double* x,
                        const double* t, const double* w, double divisor, std::int64_t n);

// grad_t[i] = -g[i] * log(x[i] / (1 - x[i])) * w[i] / divisor (unclamped, as PyTorch's logit).
void bce_backward_target(float* grad_t, const float* g, std::int64_t g_stride, const float* x, const float* w,
                         double divisor, std::int64_t n);
void bce_backward_target(double* grad_t, const double* g, std::int64_t g_stride, const double* x,
                         const double* w, double divisor, std::int64_t n);

}  // namespace keel::kernels
