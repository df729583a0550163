// Softmax kernels, compiled once per SIMD target by Highway (see binary.cpp). Each row is
// processed in three streaming passes (max, exp and sum, scale) with Highway's vector Exp;
// row tails use masked vectors, since short rows (10 classes) are nothing but tail.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/cpu/softmax.cpp"
// clang-format off
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>
#include <hwy/contrib/math/math-inl.h>
#include "kernels/cpu/tail-inl.h"
// clang-format on

#include "kernels/cpu/softmax.h"

#include <cmath>
#include <cstdint>

HWY_BEFORE_NAMESPACE();
namespace keel::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

template <class T>
T RowMax(const T* HWY_RESTRICT x, std::int64_t n) {
  const hn::ScalableTag<T> d;
  const std::int64_t N = static_cast<std::int64_t>(hn::Lanes(d));
  auto m0 = hn::Set(d, static_cast<T>(-INFINITY)), m1 = m0;
  auto nan = hn::Zero(d);  // nonzero lanes where a NaN was seen
  std::int64_t i = 0;
  for (; i + 2 * N <= n; i += 2 * N) {
    const auto v0 = hn::LoadU(d, x + i), v1 = hn::LoadU(d, x + i + N);
    m0 = hn::Max(m0, v0);
    m1 = hn::Max(m1, v1);
    nan = hn::Or(nan, hn::Or(hn::VecFromMask(d, hn::IsNaN(v0)), hn::VecFromMask(d, hn::IsNaN(v1))));
  }
  for (; i < n; i += N) {  // the tail, masked (rows of 10 classes are all tail)
    const std::size_t count = static_cast<std::size_t>(n - i);
    const auto v = hn::IfThenElse(hn::FirstN(d, count), LoadFirst(d, x + i, count),
                                  hn::Set(d, static_cast<T>(-INFINITY)));
    m0 = hn::Max(m0, v);
    nan = hn::Or(nan, hn::VecFromMask(d, hn::IsNaN(v)));
  }
  const T m = hn::GetLane(hn::MaxOfLanes(d, hn::Max(m0, m1)));
  const bool any_nan = !hn::AllTrue(d, hn::Eq(nan, hn::Zero(d)));
  return any_nan ? static_cast<T>(NAN) : m;
}

// y[i] = exp(x[i] - m); returns the sum of y. Vector Exp when m is finite; Highway's Exp maps
// NaN to 0, so rows with an infinite or NaN max take the scalar path and its IEEE results.
template <class T>
T ExpSum(T* HWY_RESTRICT y, const T* HWY_RESTRICT x, std::int64_t n, T m, bool store) {
  if (!std::isfinite(m)) {
    T s = 0;
    for (std::int64_t i = 0; i < n; ++i) {
      const T e = std::exp(x[i] - m);
      if (store) y[i] = e;
      s += e;
    }
    return s;
  }
  const hn::ScalableTag<T> d;
  const std::int64_t N = static_cast<std::int64_t>(hn::Lanes(d));
  const auto vm = hn::Set(d, m);
  auto s0 = hn::Zero(d), s1 = hn::Zero(d);
  std::int64_t i = 0;
  for (; i + 2 * N <= n; i += 2 * N) {
    const auto e0 = hn::Exp(d, hn::Sub(hn::LoadU(d, x + i), vm));
    const auto e1 = hn::Exp(d, hn::Sub(hn::LoadU(d, x + i + N), vm));
    if (store) {
      hn::StoreU(e0, d, y + i);
      hn::StoreU(e1, d, y + i + N);
    }
    s0 = hn::Add(s0, e0);
    s1 = hn::Add(s1, e1);
  }
  for (; i < n; i += N) {
    const std::size_t count = static_cast<std::size_t>(n - i);
    const auto e =
        hn::IfThenElseZero(hn::FirstN(d, count), hn::Exp(d, hn::Sub(LoadFirst(d, x + i, count), vm)));
    if (store) StoreFirst(e, d, y + i, count);
    s0 = hn::Add(s0, e);
  }
  return hn::GetLane(hn::SumOfLanes(d, hn::Add(s0, s1)));
}

template <class T>
void SoftmaxTyped(T* y, const T* x, std::int64_t n, std::int64_t r0, std::int64_t r1, bool log) {
  const hn::ScalableTag<T> d;
  const std::int64_t N = static_cast<std::int64_t>(hn::Lanes(d));
  for (std::int64_t r = r0; r < r1; ++r) {
    const T* HWY_RESTRICT xr = x + r * n;
    T* HWY_RESTRICT yr = y + r * n;
    const T m = RowMax(xr, n);
    if (log) {
      const T shift = m + std::log(ExpSum(yr, xr, n, m, false));
      const auto vs = hn::Set(d, shift);
      std::int64_t i = 0;
      for (; i + N <= n; i += N) hn::StoreU(hn::Sub(hn::LoadU(d, xr + i), vs), d, yr + i);
      if (i < n) {
        const std::size_t count = static_cast<std::size_t>(n - i);
        StoreFirst(hn::Sub(LoadFirst(d, xr + i, count), vs), d, yr + i, count);
      }
    } else {
      const T inv = T(1) / ExpSum(yr, xr, n, m, true);
      const auto vi = hn::Set(d, inv);
      std::int64_t i = 0;
      for (; i + N <= n; i += N) hn::StoreU(hn::Mul(hn::LoadU(d, yr + i), vi), d, yr + i);
      for (; i < n; ++i) yr[i] *= inv;
    }
  }
}

template <class T>
void BackwardTyped(T* gx, const T* g, const T* y, std::int64_t n, std::int64_t r0, std::int64_t r1,
                   bool log) {
  for (std::int64_t r = r0; r < r1; ++r) {
    const T* HWY_RESTRICT gr = g + r * n;
    const T* HWY_RESTRICT yr = y + r * n;
    T* HWY_RESTRICT out = gx + r * n;
    if (log) {
      double s = 0;
#pragma omp simd reduction(+ : s)
      for (std::int64_t i = 0; i < n; ++i) s += gr[i];
      const T st = static_cast<T>(s);
      const hn::ScalableTag<T> d;
      const std::int64_t N = static_cast<std::int64_t>(hn::Lanes(d));
      const auto vs = hn::Set(d, st);
      std::int64_t i = 0;
      for (; i + N <= n; i += N) {
        const auto e = hn::Exp(d, hn::LoadU(d, yr + i));
        hn::StoreU(hn::NegMulAdd(e, vs, hn::LoadU(d, gr + i)), d, out + i);
      }
      if (i < n) {
        const std::size_t count = static_cast<std::size_t>(n - i);
        const auto e = hn::Exp(d, LoadFirst(d, yr + i, count));
        StoreFirst(hn::NegMulAdd(e, vs, LoadFirst(d, gr + i, count)), d, out + i, count);
      }
    } else {
      double s = 0;
#pragma omp simd reduction(+ : s)
      for (std::int64_t i = 0; i < n; ++i) s += static_cast<double>(gr[i]) * yr[i];
      const T st = static_cast<T>(s);
      for (std::int64_t i = 0; i < n; ++i) out[i] = yr[i] * (gr[i] - st);
    }
  }
}

void SoftmaxRows(int dtype, void* y, const void* x, std::int64_t n, std::int64_t r0, std::int64_t r1,
                 bool log) {
  if (static_cast<DType>(dtype) == DType::Float32) {
    SoftmaxTyped(static_cast<float*>(y), static_cast<const float*>(x), n, r0, r1, log);
  } else {
    SoftmaxTyped(static_cast<double*>(y), static_cast<const double*>(x), n, r0, r1, log);
  }
}

void SoftmaxBackwardRows(int dtype, void* gx, const void* g, const void* y, std::int64_t n, std::int64_t r0,
                         std::int64_t r1, bool log) {
  if (static_cast<DType>(dtype) == DType::Float32) {
    BackwardTyped(static_cast<float*>(gx), static_cast<const float*>(g), static_cast<const float*>(y), n, r0,
                  r1, log);
  } else {
    BackwardTyped(static_cast<double*>(gx), static_cast<const double*>(g), static_cast<const double*>(y), n,
                  r0, r1, log);
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace keel::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include <algorithm>

#include "kernels/cpu/dispatch.h"
#include "kernels/cpu/parallel.h"

namespace keel::kernels {
KEEL_EXPORT(SoftmaxRows);
KEEL_EXPORT(SoftmaxBackwardRows);

void softmax_rows(const View& y, const View& x, std::int64_t rows, std::int64_t n, bool log) {
  if (rows * n == 0) return;
  auto* fn = &KEEL_DISPATCH(SoftmaxRows);
  const int dt = static_cast<int>(x.dtype);
  void* yp = y.data;
  const void* xp = x.data;
  parallel_for(0, rows, std::max<std::int64_t>(1, kGrain / n),
               [&](std::int64_t lo, std::int64_t hi) { fn(dt, yp, xp, n, lo, hi, log); });
}

void softmax_backward_rows(const View& gx, const View& g, const View& y, std::int64_t rows, std::int64_t n,
                           bool log) {
  if (rows * n == 0) return;
  auto* fn = &KEEL_DISPATCH(SoftmaxBackwardRows);
  const int dt = static_cast<int>(y.dtype);
  void* gxp = gx.data;
  const void* gp = g.data;
  const void* yp = y.data;
  parallel_for(0, rows, std::max<std::int64_t>(1, kGrain / n),
               [&](std::int64_t lo, std::int64_t hi) { fn(dt, gxp, gp, yp, n, lo, hi, log); });
}

}  // namespace keel::kernels
#endif
