#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/cpu/random_fill.cpp"
#include "kernels/cpu/random_fill.h"

#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include <cmath>
#include <cstdint>

HWY_BEFORE_NAMESPACE();
namespace keel::kernels {
namespace HWY_NAMESPACE {

// SplitMix64's output function on the Weyl sequence seed + (k + 1) * golden: the same
// arithmetic as Generator::at, written so the compiler vectorizes it.
inline std::uint64_t Mix(std::uint64_t seed, std::uint64_t k) {
  std::uint64_t z = seed + (k + 1) * 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

template <class T>
void Bernoulli(std::uint64_t seed, std::uint64_t first, T* HWY_RESTRICT out, std::int64_t n, double p,
               T value) {
  // unit_double(x) < p  <=>  double(x >> 11) < p * 2^53 (both sides exact).
  const double threshold = p * 0x1.0p53;
  for (std::int64_t i = 0; i < n; ++i) {
    const std::uint64_t x = Mix(seed, first + static_cast<std::uint64_t>(i));
    out[i] = static_cast<double>(static_cast<std::int64_t>(x >> 11)) < threshold ? value : T(0);
  }
}

// Dropout's mask: the same draws as Bernoulli<float>, vectorized by hand. The Weyl sequence
// advances by an add per vector instead of a 64-bit multiply per element, and the test
// double(x >> 11) < p * 2^53 is the integer test (x >> 11) < ceil(p * 2^53) (exact: both
// sides are below 2^53), so no conversion to double is needed.
void BernoulliF32(std::uint64_t seed, std::uint64_t first, float* HWY_RESTRICT out, std::int64_t n, double p,
                  float value) {
  std::int64_t i = 0;
#if HWY_TARGET != HWY_SCALAR
  namespace hn = hwy::HWY_NAMESPACE;
  const hn::ScalableTag<std::uint64_t> du;
  const hn::Rebind<std::uint32_t, decltype(du)> du32;  // same lane count, half the width
  const hn::Rebind<float, decltype(du)> df;
  const std::int64_t N = static_cast<std::int64_t>(hn::Lanes(du));
  constexpr std::uint64_t kGolden = 0x9E3779B97F4A7C15ULL;
  const double threshold = std::ceil(p * 0x1.0p53);
  const auto limit = hn::Set(du, static_cast<std::uint64_t>(threshold));
  const auto c1 = hn::Set(du, 0xBF58476D1CE4E5B9ULL), c2 = hn::Set(du, 0x94D049BB133111EBULL);
  const auto step = hn::Set(du, kGolden * static_cast<std::uint64_t>(N));
  const auto keep_value = hn::Set(df, value);
  // Lane j starts at seed + (first + j + 1) * golden.
  auto weyl =
      hn::Add(hn::Set(du, seed + (first + 1) * kGolden), hn::Mul(hn::Iota(du, 0), hn::Set(du, kGolden)));
  for (; i + N <= n; i += N) {
    auto z = weyl;
    weyl = hn::Add(weyl, step);
    z = hn::Mul(hn::Xor(z, hn::ShiftRight<30>(z)), c1);
    z = hn::Mul(hn::Xor(z, hn::ShiftRight<27>(z)), c2);
    z = hn::Xor(z, hn::ShiftRight<31>(z));
    const auto keep = hn::VecFromMask(du, hn::Lt(hn::ShiftRight<11>(z), limit));  // all ones or 0
    hn::StoreU(hn::And(hn::BitCast(df, hn::TruncateTo(du32, keep)), keep_value), df, out + i);
  }
#endif
  Bernoulli(seed, first + static_cast<std::uint64_t>(i), out + i, n - i, p, value);
}
void BernoulliF64(std::uint64_t seed, std::uint64_t first, double* out, std::int64_t n, double p,
                  double value) {
  Bernoulli(seed, first, out, n, p, value);
}

void UniformF32(std::uint64_t seed, std::uint64_t first, float* HWY_RESTRICT out, std::int64_t n, double from,
                double width) {
  const bool unit = from == 0.0 && width == 1.0;
  for (std::int64_t i = 0; i < n; ++i) {
    const std::uint64_t x = Mix(seed, first + static_cast<std::uint64_t>(i));
    const float u = static_cast<float>(static_cast<std::int32_t>(x >> 40)) * 0x1.0p-24f;
    out[i] = unit ? u : static_cast<float>(from + width * static_cast<double>(u));
  }
}

void UniformF64(std::uint64_t seed, std::uint64_t first, double* HWY_RESTRICT out, std::int64_t n,
                double from, double width) {
  for (std::int64_t i = 0; i < n; ++i) {
    const std::uint64_t x = Mix(seed, first + static_cast<std::uint64_t>(i));
    out[i] = from + width * (static_cast<double>(static_cast<std::int64_t>(x >> 11)) * 0x1.0p-53);
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace keel::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include "kernels/cpu/dispatch.h"
#include "kernels/cpu/parallel.h"

namespace keel::kernels {
KEEL_EXPORT(BernoulliF32);
KEEL_EXPORT(BernoulliF64);
KEEL_EXPORT(UniformF32);
KEEL_EXPORT(UniformF64);

// Each element's value depends only on its counter, so any split over threads gives the
// same result.
#define KEEL_FILL(FN, T)                                                                       \
  auto* fn = &KEEL_DISPATCH(FN);                                                               \
  parallel_for(0, n, kGrain, [&](std::int64_t lo, std::int64_t hi) {                           \
    fn(seed, first + static_cast<std::uint64_t>(lo), out + lo, hi - lo, a, static_cast<T>(b)); \
  })

void fill_bernoulli(std::uint64_t seed, std::uint64_t first, float* out, std::int64_t n, double a, float b) {
  KEEL_FILL(BernoulliF32, float);
}
void fill_bernoulli(std::uint64_t seed, std::uint64_t first, double* out, std::int64_t n, double a,
                    double b) {
  KEEL_FILL(BernoulliF64, double);
}
void fill_uniform(std::uint64_t seed, std::uint64_t first, float* out, std::int64_t n, double a, double b) {
  KEEL_FILL(UniformF32, double);
}
void fill_uniform(std::uint64_t seed, std::uint64_t first, double* out, std::int64_t n, double a, double b) {
  KEEL_FILL(UniformF64, double);
}
#undef KEEL_FILL

}  // namespace keel::kernels
#endif
