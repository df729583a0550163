// Gradient-norm kernels, compiled once per SIMD target by Highway (see binary.cpp). The sum
// of squares of a float32 gradient is accumulated in double, four vectors wide, so a step of
// a small model does not wait on one long chain of dependent adds.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/cpu/grad_norm.cpp"
#include "kernels/cpu/grad_norm.h"

#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include <cmath>
#include <cstdint>

HWY_BEFORE_NAMESPACE();
namespace keel::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Loads lanes of x (float or double) as doubles.
template <class DD, class T>
HWY_INLINE hn::Vec<DD> LoadAsDouble(DD dd, const T* HWY_RESTRICT x) {
  if constexpr (sizeof(T) == 4) {
    const hn::Rebind<float, DD> df;
    return hn::PromoteTo(dd, hn::LoadU(df, x));
  } else {
    return hn::LoadU(dd, x);
  }
}

// p = 1 (kAbs) or 2 over [b, e).
template <bool kSquare, class T>
double PowSum(const T* HWY_RESTRICT x, std::int64_t b, std::int64_t e) {
  const hn::ScalableTag<double> dd;
  const std::int64_t N = static_cast<std::int64_t>(hn::Lanes(dd));
  auto a0 = hn::Zero(dd), a1 = a0, a2 = a0, a3 = a0;
  auto term = [&](std::int64_t i) {
    const auto v = LoadAsDouble(dd, x + i);
    return kSquare ? hn::Mul(v, v) : hn::Abs(v);
  };
  std::int64_t i = b;
  for (; i + 4 * N <= e; i += 4 * N) {
    a0 = hn::Add(a0, term(i));
    a1 = hn::Add(a1, term(i + N));
    a2 = hn::Add(a2, term(i + 2 * N));
    a3 = hn::Add(a3, term(i + 3 * N));
  }
  for (; i + N <= e; i += N) a0 = hn::Add(a0, term(i));
  double acc = hn::GetLane(hn::SumOfLanes(dd, hn::Add(hn::Add(a0, a1), hn::Add(a2, a3))));
  for (; i < e; ++i) {
    const double v = static_cast<double>(x[i]);
    acc += kSquare ? v * v : std::abs(v);
  }
  return acc;
}

template <class T>
double AbsPowSumT(const T* x, std::int64_t b, std::int64_t e, double p) {
  if (p == 2) return PowSum<true>(x, b, e);
  if (p == 1) return PowSum<false>(x, b, e);
  double acc = 0;
  if (std::isinf(p)) {
    for (std::int64_t i = b; i < e; ++i) {
      const double a = std::abs(static_cast<double>(x[i]));
      acc = (a > acc || a != a) ? a : acc;
    }
  } else if (p == 0) {
    for (std::int64_t i = b; i < e; ++i) acc += x[i] != T(0) ? 1.0 : 0.0;
  } else {
    for (std::int64_t i = b; i < e; ++i) acc += std::pow(std::abs(static_cast<double>(x[i])), p);
  }
  return acc;
}

double AbsPowSum(int dt, const void* x, std::int64_t b, std::int64_t e, double p) {
  if (static_cast<DType>(dt) == DType::Float32) return AbsPowSumT(static_cast<const float*>(x), b, e, p);
  return AbsPowSumT(static_cast<const double*>(x), b, e, p);
}

template <class T>
void ScaleT(T* HWY_RESTRICT x, std::int64_t b, std::int64_t e, T s) {
  for (std::int64_t i = b; i < e; ++i) x[i] = x[i] * s;
}

void Scale(int dt, void* x, std::int64_t b, std::int64_t e, double s) {
  if (static_cast<DType>(dt) == DType::Float32) {
    ScaleT(static_cast<float*>(x), b, e, static_cast<float>(s));
  } else {
    ScaleT(static_cast<double*>(x), b, e, s);
  }
}

template <class T>
void ClampT(T* HWY_RESTRICT x, std::int64_t b, std::int64_t e, T lo, T hi) {
  for (std::int64_t i = b; i < e; ++i) x[i] = x[i] < lo ? lo : (x[i] > hi ? hi : x[i]);
}

void Clamp(int dt, void* x, std::int64_t b, std::int64_t e, double lo, double hi) {
  if (static_cast<DType>(dt) == DType::Float32) {
    ClampT(static_cast<float*>(x), b, e, static_cast<float>(lo), static_cast<float>(hi));
  } else {
    ClampT(static_cast<double*>(x), b, e, lo, hi);
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace keel::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include <algorithm>
#include <vector>

#include "kernels/cpu/dispatch.h"
#include "kernels/cpu/parallel.h"

namespace keel::kernels {
KEEL_EXPORT(AbsPowSum);
KEEL_EXPORT(Scale);
KEEL_EXPORT(Clamp);

double abs_pow_sum(DType dt, const void* x, std::int64_t n, double p) {
  auto* fn = &KEEL_DISPATCH(AbsPowSum);
  const int d = static_cast<int>(dt);
  const std::int64_t chunks = (n + kGrain - 1) / kGrain;
  if (chunks <= 1) return n > 0 ? fn(d, x, 0, n, p) : 0.0;
  std::vector<double> part(static_cast<std::size_t>(chunks), 0.0);
  parallel_for(0, chunks, 1, [&](std::int64_t cb, std::int64_t ce) {
    for (std::int64_t c = cb; c < ce; ++c) part[c] = fn(d, x, c * kGrain, std::min(n, (c + 1) * kGrain), p);
  });
  double total = 0;
  for (double v : part) total = std::isinf(p) ? ((v > total || v != v) ? v : total) : total + v;
  return total;
}

void scale_inplace(DType dt, void* x, std::int64_t n, double s) {
  auto* fn = &KEEL_DISPATCH(Scale);
  parallel_for(0, n, kGrain, [&](std::int64_t b, std::int64_t e) { fn(static_cast<int>(dt), x, b, e, s); });
}

void clamp_inplace(DType dt, void* x, std::int64_t n, double lo, double hi) {
  auto* fn = &KEEL_DISPATCH(Clamp);
  parallel_for(0, n, kGrain,
               [&](std::int64_t b, std::int64_t e) { fn(static_cast<int>(dt), x, b, e, lo, hi); });
}

}  // namespace keel::kernels
#endif
