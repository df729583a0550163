// MaxPool2d(2) kernel, compiled once per SIMD target by Highway (see binary.cpp). A scalar
// loop with per-window selects compiles to data-dependent branches that mispredict on real
// activations (~10 ns per output); here even and odd input columns are split into vectors
// and the four candidates are merged with masks, in the generic loop's scan order: a later
// element replaces the maximum when it is greater or NaN (PyTorch's rule). Rows shorter than
// a vector (14 outputs for 28x28 images) go through masked loads and stores.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/cpu/max_pool_2x2.cpp"
#include "kernels/cpu/max_pool_2x2.h"

#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include <cstdint>

#include "kernels/cpu/tail-inl.h"

HWY_BEFORE_NAMESPACE();
namespace keel::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

HWY_INLINE void Take(float v, std::int64_t i, float& m, std::int64_t& best) {
  if (v > m || v != v) {
    m = v;
    best = i;
  }
}

// I: the index type written (int64 for MaxPool2d's indices, int32 for the fused batch norm +
// ReLU + max-pool's).
template <class I>
HWY_INLINE void MaxPool2x2PlaneT(const float* HWY_RESTRICT x, float* HWY_RESTRICT y, I* HWY_RESTRICT idx,
                                 std::int64_t h, std::int64_t w, std::int64_t oh, std::int64_t ow) {
  (void)h;
#if HWY_TARGET != HWY_SCALAR  // (one lane: the scalar loop below does it all)
  const hn::ScalableTag<float> d;
  const hn::RebindToSigned<decltype(d)> di;
  const hn::Half<decltype(di)> dh;
  const hn::Rebind<std::int64_t, decltype(dh)> d64;
  const std::int64_t N = static_cast<std::int64_t>(hn::Lanes(d));
  const auto two_iota = hn::Add(hn::Iota(di, 0), hn::Iota(di, 0));
  const auto one = hn::Set(di, 1), down = hn::Set(di, static_cast<std::int32_t>(w));
  const auto down_right = hn::Add(down, one);
#endif
  for (std::int64_t oy = 0; oy < oh; ++oy) {
    const float* r0 = x + 2 * oy * w;
    const float* r1 = r0 + w;
    float* yr = y + oy * ow;
    I* ir = idx + oy * ow;
    const std::int64_t base = 2 * oy * w;
    std::int64_t ox = 0;
#if HWY_TARGET != HWY_SCALAR
    // Full vectors of outputs, then the rest (all of a 14-wide row) with masked loads/stores.
    for (; ox < ow; ox += N) {
      const std::int64_t rem = ow - ox;
      const std::size_t in0 = static_cast<std::size_t>(rem >= N ? N : 2 * rem);
      const std::size_t in1 = static_cast<std::size_t>(rem >= N ? N : (2 * rem > N ? 2 * rem - N : 0));
      const auto a0 = LoadFirst(d, r0 + 2 * ox, in0), a1 = LoadFirst(d, r0 + 2 * ox + N, in1);
      const auto b0 = LoadFirst(d, r1 + 2 * ox, in0), b1 = LoadFirst(d, r1 + 2 * ox + N, in1);
      const auto i0 = hn::Add(two_iota, hn::Set(di, static_cast<std::int32_t>(base + 2 * ox)));
      auto m = hn::ConcatEven(d, a1, a0);
      auto best = i0;
      auto merge = [&](const auto v, const auto offset) {
        const auto take = hn::Or(hn::Gt(v, m), hn::IsNaN(v));
        m = hn::IfThenElse(take, v, m);
        best = hn::IfThenElse(hn::RebindMask(di, take), hn::Add(i0, offset), best);
      };
      merge(hn::ConcatOdd(d, a1, a0), one);
      merge(hn::ConcatEven(d, b1, b0), down);
      merge(hn::ConcatOdd(d, b1, b0), down_right);
      if constexpr (sizeof(I) == 4) {
        const std::size_t r = static_cast<std::size_t>(rem >= N ? N : rem);
        StoreFirst(m, d, yr + ox, r);
        StoreFirst(best, di, ir + ox, r);
      } else {
        const auto lo = hn::PromoteTo(d64, hn::LowerHalf(dh, best));
        const auto hi = hn::PromoteTo(d64, hn::UpperHalf(dh, best));
        if (rem >= N) {
          hn::StoreU(m, d, yr + ox);
          hn::StoreU(lo, d64, ir + ox);
          hn::StoreU(hi, d64, ir + ox + N / 2);
        } else {
          const std::size_t half = static_cast<std::size_t>(N / 2), r = static_cast<std::size_t>(rem);
          StoreFirst(m, d, yr + ox, r);
          StoreFirst(lo, d64, ir + ox, r < half ? r : half);
          StoreFirst(hi, d64, ir + ox + N / 2, r > half ? r - half : 0);
        }
      }
    }
#endif
    for (; ox < ow; ++ox) {
      const std::int64_t i0 = base + 2 * ox;
      float m = r0[2 * ox];
      std::int64_t best = i0;
      Take(r0[2 * ox + 1], i0 + 1, m, best);
      Take(r1[2 * ox], i0 + w, m, best);
      Take(r1[2 * ox + 1], i0 + w + 1, m, best);
      yr[ox] = m;
      ir[ox] = static_cast<I>(best);
    }
  }
}

void MaxPool2x2Plane(const float* HWY_RESTRICT x, float* HWY_RESTRICT y, std::int64_t* HWY_RESTRICT idx,
                     std::int64_t h, std::int64_t w, std::int64_t oh, std::int64_t ow) {
  MaxPool2x2PlaneT(x, y, idx, h, w, oh, ow);
}

void MaxPool2x2PlaneI32(const float* HWY_RESTRICT x, float* HWY_RESTRICT y, std::int32_t* HWY_RESTRICT idx,
                        std::int64_t h, std::int64_t w, std::int64_t oh, std::int64_t ow) {
  MaxPool2x2PlaneT(x, y, idx, h, w, oh, ow);
}

// The backward of one plane: every input position lies in at most one window, so gx is
// written once, row pair by row pair: the window's gradient where its argmax was, 0 at the
// other three positions (no zero fill and scatter-add). With AVX-512, 8 windows at a time:
// their gradients and argmax offsets are duplicated into 16 lanes (one per input column of
// the row pair) and kept where the offset is the lane's own position; the last group of a
// row (or all of a 7-wide one) goes through masked loads and stores. With AVX2, 4 windows at a
// time into 8 lanes, the rest of a row in the scalar loop.
void MaxPool2x2BackwardPlane(const float* HWY_RESTRICT gy, const std::int64_t* HWY_RESTRICT idx,
                             float* HWY_RESTRICT gx, std::int64_t h, std::int64_t w, std::int64_t oh,
                             std::int64_t ow) {
#if HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL
  const __m512i dup = _mm512_set_epi32(7, 7, 6, 6, 5, 5, 4, 4, 3, 3, 2, 2, 1, 1, 0, 0);
  const __m512i parity = _mm512_set_epi32(1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0);
  const __m512i below = _mm512_add_epi32(parity, _mm512_set1_epi32(static_cast<int>(w)));
  const __m512i two_iota = _mm512_set_epi64(14, 12, 10, 8, 6, 4, 2, 0);
#elif HWY_TARGET == HWY_AVX2
  // 4 windows at a time, the same way in 8 lanes: one permute duplicates each window's
  // gradient, and one takes the low 32 bits of each 64-bit offset twice. (Scalar, this loop
  // was 6% of cnn_step on Zen 3.)
  const __m256i dup = _mm256_set_epi32(3, 3, 2, 2, 1, 1, 0, 0);
  const __m256i low_dup = _mm256_set_epi32(6, 6, 4, 4, 2, 2, 0, 0);
  const __m256i parity = _mm256_set_epi32(1, 0, 1, 0, 1, 0, 1, 0);
  const __m256i below = _mm256_add_epi32(parity, _mm256_set1_epi32(static_cast<int>(w)));
  const __m256i two_iota = _mm256_set_epi64x(6, 4, 2, 0);
#endif
  for (std::int64_t oy = 0; oy < oh; ++oy) {
    float* HWY_RESTRICT r0 = gx + 2 * oy * w;
    float* HWY_RESTRICT r1 = r0 + w;
    const float* HWY_RESTRICT g = gy + oy * ow;
    const std::int64_t* HWY_RESTRICT id = idx + oy * ow;
    const std::int64_t base = 2 * oy * w;
    std::int64_t ox = 0;
#if HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL
    for (; ox < ow; ox += 8) {
      const std::int64_t n = ow - ox < 8 ? ow - ox : 8;
      const __mmask8 k8 = static_cast<__mmask8>((1u << n) - 1);
      const __mmask16 k16 = static_cast<__mmask16>((1u << (2 * n)) - 1);
      const __m512 g16 =
          _mm512_permutexvar_ps(dup, _mm512_castps256_ps512(_mm256_maskz_loadu_ps(k8, g + ox)));
      const __m512i at8 = _mm512_sub_epi64(_mm512_maskz_loadu_epi64(k8, id + ox),
                                           _mm512_add_epi64(two_iota, _mm512_set1_epi64(base + 2 * ox)));
      const __m512i at16 = _mm512_permutexvar_epi32(dup, _mm512_castsi256_si512(_mm512_cvtepi64_epi32(at8)));
      _mm512_mask_storeu_ps(r0 + 2 * ox, k16,
                            _mm512_maskz_mov_ps(_mm512_cmpeq_epi32_mask(at16, parity), g16));
      _mm512_mask_storeu_ps(r1 + 2 * ox, k16, _mm512_maskz_mov_ps(_mm512_cmpeq_epi32_mask(at16, below), g16));
    }
#elif HWY_TARGET == HWY_AVX2
    for (; ox + 4 <= ow; ox += 4) {
      const __m256 g8 = _mm256_permutevar8x32_ps(_mm256_castps128_ps256(_mm_loadu_ps(g + ox)), dup);
      const __m256i at4 = _mm256_sub_epi64(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(id + ox)),
                                           _mm256_add_epi64(two_iota, _mm256_set1_epi64x(base + 2 * ox)));
      const __m256i at8 = _mm256_permutevar8x32_epi32(at4, low_dup);
      _mm256_storeu_ps(r0 + 2 * ox, _mm256_and_ps(g8, _mm256_castsi256_ps(_mm256_cmpeq_epi32(at8, parity))));
      _mm256_storeu_ps(r1 + 2 * ox, _mm256_and_ps(g8, _mm256_castsi256_ps(_mm256_cmpeq_epi32(at8, below))));
    }
#endif
    for (; ox < ow; ++ox) {
      const std::int64_t at = id[ox] - (base + 2 * ox);  // 0, 1, w or w + 1
      const float v = g[ox];
      r0[2 * ox] = at == 0 ? v : 0.0f;
      r0[2 * ox + 1] = at == 1 ? v : 0.0f;
      r1[2 * ox] = at == w ? v : 0.0f;
      r1[2 * ox + 1] = at == w + 1 ? v : 0.0f;
    }
    for (std::int64_t x = 2 * ow; x < w; ++x) r0[x] = r1[x] = 0.0f;  // a column no window covers
  }
  for (std::int64_t y = 2 * oh; y < h; ++y)
    for (std::int64_t x = 0; x < w; ++x) gx[y * w + x] = 0.0f;  // a row no window covers
}

}  // namespace HWY_NAMESPACE
}  // namespace keel::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include "kernels/cpu/dispatch.h"
namespace keel::kernels {
KEEL_EXPORT(MaxPool2x2Plane);
KEEL_EXPORT(MaxPool2x2PlaneI32);
KEEL_EXPORT(MaxPool2x2BackwardPlane);

void max_pool_2x2_plane(const float* x, float* y, std::int64_t* idx, std::int64_t h, std::int64_t w,
                        std::int64_t oh, std::int64_t ow) {
  KEEL_DISPATCH(MaxPool2x2Plane)(x, y, idx, h, w, oh, ow);
}

void max_pool_2x2_plane(const float* x, float* y, std::int32_t* idx, std::int64_t h, std::int64_t w,
                        std::int64_t oh, std::int64_t ow) {
  KEEL_DISPATCH(MaxPool2x2PlaneI32)(x, y, idx, h, w, oh, ow);
}

void max_pool_2x2_backward_plane(const float* gy, const std::int64_t* idx, float* gx, std::int64_t h,
                                 std::int64_t w, std::int64_t oh, std::int64_t ow) {
  KEEL_DISPATCH(MaxPool2x2BackwardPlane)(gy, idx, gx, h, w, oh, ow);
}

}  // namespace keel::kernels
#endif
