// Cross-entropy backward, compiled once per SIMD target by Highway (see binary.cpp). Class
// counts are often below one vector (10 classes), so the row tail uses a masked vector Exp
// instead of the scalar libm call.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/cpu/cross_entropy.cpp"
// clang-format off
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>
#include <hwy/contrib/math/math-inl.h>
#include "kernels/cpu/tail-inl.h"
// clang-format on

#include "kernels/cpu/cross_entropy.h"

#include <cstdint>

HWY_BEFORE_NAMESPACE();
namespace keel::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

template <class T>
void BackwardRowsT(T* gx, const T* logp, const std::int64_t* target, std::int64_t n, std::int64_t r0,
                   std::int64_t r1, std::int64_t ignore_index, T scale) {
  const hn::ScalableTag<T> d;
  const std::int64_t N = static_cast<std::int64_t>(hn::Lanes(d));
  const auto vs = hn::Set(d, scale);
  for (std::int64_t r = r0; r < r1; ++r) {
    const T* HWY_RESTRICT lr = logp + r * n;
    T* HWY_RESTRICT out = gx + r * n;
    const std::int64_t t = target[r];
    if (t == ignore_index) {
      for (std::int64_t i = 0; i < n; ++i) out[i] = T(0);
      continue;
    }
    std::int64_t i = 0;
    for (; i + N <= n; i += N) hn::StoreU(hn::Mul(hn::Exp(d, hn::LoadU(d, lr + i)), vs), d, out + i);
    if (i < n) {
      const std::size_t count = static_cast<std::size_t>(n - i);
      StoreFirst(hn::Mul(hn::Exp(d, LoadFirst(d, lr + i, count)), vs), d, out + i, count);
    }
    out[t] -= scale;
  }
}

void CrossEntropyBackwardRows(bool f32, void* gx, const void* logp, const std::int64_t* target,
                              std::int64_t n, std::int64_t r0, std::int64_t r1, std::int64_t ignore_index,
                              double scale) {
  if (f32) {
    BackwardRowsT(static_cast<float*>(gx), static_cast<const float*>(logp), target, n, r0, r1, ignore_index,
                  static_cast<float>(scale));
  } else {
    BackwardRowsT(static_cast<double*>(gx), static_cast<const double*>(logp), target, n, r0, r1, ignore_index,
                  scale);
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
KEEL_EXPORT(CrossEntropyBackwardRows);

namespace {
template <class T>
double nll_sum(const T* logp, const std::int64_t* target, std::int64_t rows, std::int64_t n,
               std::int64_t ignore_index, std::int64_t* count) {
  double sum = 0;
  std::int64_t c = 0;
  for (std::int64_t r = 0; r < rows; ++r) {
    if (target[r] == ignore_index) continue;
    sum -= static_cast<double>(logp[r * n + target[r]]);
    ++c;
  }
  *count = c;
  return sum;
}
}  // namespace

double nll_sum_rows(const View& logp, const std::int64_t* target, std::int64_t rows, std::int64_t n,
                    std::int64_t ignore_index, std::int64_t* count) {
  if (logp.dtype == DType::Float32)
    return nll_sum(static_cast<const float*>(logp.data), target, rows, n, ignore_index, count);
  return nll_sum(static_cast<const double*>(logp.data), target, rows, n, ignore_index, count);
}

void cross_entropy_backward_rows(const View& gx, const View& logp, const std::int64_t* target,
                                 std::int64_t rows, std::int64_t n, std::int64_t ignore_index, double scale) {
  if (rows * n == 0) return;
  auto* fn = &KEEL_DISPATCH(CrossEntropyBackwardRows);
  const bool f32 = logp.dtype == DType::Float32;
  void* gxp = gx.data;
  const void* lp = logp.data;
  parallel_for(0, rows, std::max<std::int64_t>(1, kGrain / n), [&](std::int64_t lo, std::int64_t hi) {
    fn(f32, gxp, lp, target, n, lo, hi, ignore_index, scale);
  });
}

}  // namespace keel::kernels
#endif
