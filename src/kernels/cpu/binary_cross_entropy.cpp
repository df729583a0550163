// Binary cross-entropy loops: scalar code in the input's precision, as PyTorch's CPU kernel.
// Losses are small next to the layers that feed them, so these stay plain loops.
#include "kernels/cpu/binary_cross_entropy.h"

#include <algorithm>
#include <cmath>

namespace keel::kernels {
namespace {

template <class T>
void loss_loop(T* loss, const T* x, const T* t, const T* w, std::int64_t n) {
  const T floor = T(-100);
  for (std::int64_t i = 0; i < n; ++i) {
    const T v =
        (t[i] - T(1)) * std::max(T(std::log(T(1) - x[i])), floor) - t[i] * std::max(T(std::log(x[i])), floor);
    loss[i] = w ? v * w[i] : v;
  }
}

template <class T>
void input_grad_loop(T* gx, const T* g, std::int64_t gs, const T* x, const T* t, const T* w, double divisor,
                     std::int64_t n) {
  const T eps = T(1e-12), d = T(divisor);
  for (std::int64_t i = 0; i < n; ++i) {
    T v = g[i * gs] * (x[i] - t[i]) / std::max((T(1) - x[i]) * x[i], eps);
    if (w) v *= w[i];
    gx[i] = v / d;
  }
}

template <class T>
void target_grad_loop(T* gt, const T* g, std::int64_t gs, const T* x, const T* w, double divisor,
                      std::int64_t n) {
  const T d = T(divisor);
  for (std::int64_t i = 0; i < n; ++i) {
    T v = -T(std::log(x[i] / (T(1) - x[i]))) * g[i * gs];
    if (w) v *= w[i];
    gt[i] = v / d;
  }
}

}  // namespace

void bce_loss(float* loss, const float* x, const float* t, const float* w, std::int64_t n) {
  loss_loop(loss, x, t, w, n);
}
void bce_loss(double* loss, const double* x, const double* t, const double* w, std::int64_t n) {
  loss_loop(loss, x, t, w, n);
}
void bce_backward_input(float* grad_x, const float* g, std::int64_t g_stride, const float* x, const float* t,
                        const float* w, double divisor, std::int64_t n) {
  input_grad_loop(grad_x, g, g_stride, x, t, w, divisor, n);
}
void bce_backward_input(double* grad_x, const double* g, std::int64_t g_stride, const double* x,
                        const double* t, const double* w, double divisor, std::int64_t n) {
  input_grad_loop(grad_x, g, g_stride, x, t, w, divisor, n);
}
void bce_backward_target(float* grad_t, const float* g, std::int64_t g_stride, const float* x, const float* w,
                         double divisor, std::int64_t n) {
  target_grad_loop(grad_t, g, g_stride, x, w, divisor, n);
}
void bce_backward_target(double* grad_t, const double* g, std::int64_t g_stride, const double* x,
                         const double* w, double divisor, std::int64_t n) {
  target_grad_loop(grad_t, g, g_stride, x, w, divisor, n);
}

}  // namespace keel::kernels
