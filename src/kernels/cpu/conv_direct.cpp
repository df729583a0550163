// keel's direct convolution (conv_direct.h), compiled once per SIMD target by Highway (see
// binary.cpp). The forward copies each input plane of a sample into a zero-padded plane whose
// rows are whole vectors, keeps 8 output channels x 2 output vectors of accumulators in
// registers and broadcasts each weight once for both vectors (2 unaligned loads per 16
// multiply-adds); the input gradient is that forward on the output gradient. The weight
// gradient reads KW shifted copies of each padded plane (ShiftedCopies), so every tap of every
// output vector is one aligned load (unaligned 64-byte loads straddle two cache lines and
// halved the loads per cycle there, 9 of them per 18 multiply-adds), and keeps all 9 (3x3) or
// 25 (5x5) tap sums of 2 (or 1) output channels and one input channel in registers through a
// sample, reading the output gradient from copies with the same row pitch. The lanes past a
// row's end are never stored (forward) or read zeros (weight gradient).
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/cpu/conv_direct.cpp"
#include "kernels/cpu/conv_direct.h"

#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "kernels/cpu/tail-inl.h"

HWY_BEFORE_NAMESPACE();
namespace keel::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// v, kept in a register: without this the compiler folds a load into each multiply-add that
// uses it (a memory operand per use), and the loads, not the multiply-adds, bound the loop.
template <class V>
HWY_INLINE V InRegister(V v) {
#if HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX2
  asm("" : "+v"(v.raw));
#endif
  return v;
}

// Lanes [lo, hi) of the vector at src + off (src[off + l] in lane l), zeros in the others,
// which are never read: off may be negative (a padded row starting before the input row).
template <class D>
HWY_INLINE hn::Vec<D> LoadLanes(D d, const float* HWY_RESTRICT src, std::int64_t off, std::int64_t lo,
                                std::int64_t hi) {
  if (hi <= lo) return hn::Zero(d);
#if HWY_TARGET == HWY_AVX3
  // AVX-512's masked-off lanes are never read (no fault), so one masked load.
  const auto lanes =
      hn::AndNot(hn::FirstN(d, static_cast<std::size_t>(lo)), hn::FirstN(d, static_cast<std::size_t>(hi)));
  return hn::MaskedLoad(lanes, d, src + off);
#else
  HWY_ALIGN float buf[HWY_MAX_BYTES / sizeof(float)] = {};
  for (std::int64_t l = lo; l < hi; ++l) buf[l] = src[off + l];
  return hn::Load(d, buf);
#endif
}

// Rows [0, rows) of `dst` at pitch `pitch` (a whole number of vectors): dst row r, column c
// holds x[r - s.ph][c + shift] where that lies inside x (h, w) and c < cols, else 0. Each
// vector straight from the input row through a masked load: staging the padded row in memory
// made every load wait on the stores just made to it (a failed store-to-load forward per load,
// 20% of a small layer's time).
void ShiftedPlane(const float* HWY_RESTRICT x, const Conv2dShape& s, std::int64_t shift, std::int64_t cols,
                  std::int64_t rows, std::int64_t pitch, float* HWY_RESTRICT dst) {
  const hn::ScalableTag<float> d;
  const std::int64_t N = static_cast<std::int64_t>(hn::Lanes(d));
  const std::int64_t r0 = std::clamp<std::int64_t>(s.ph, 0, rows),
                     r1 = std::clamp<std::int64_t>(s.ph + s.h, r0, rows);
  for (std::int64_t c = 0; c < pitch; c += N) {
    // The lanes inside the input row and inside the first `cols` columns.
    const std::int64_t lo = std::clamp<std::int64_t>(-shift - c, 0, N);
    const std::int64_t hi = std::clamp<std::int64_t>(std::min(cols - c, s.w - shift - c), 0, N);
    for (std::int64_t r = 0; r < r0; ++r) hn::Store(hn::Zero(d), d, dst + r * pitch + c);
    for (std::int64_t r = r0; r < r1; ++r)
      hn::Store(LoadLanes(d, x + (r - s.ph) * s.w, c + shift, lo, hi), d, dst + r * pitch + c);
    for (std::int64_t r = r1; r < rows; ++r) hn::Store(hn::Zero(d), d, dst + r * pitch + c);
  }
}

// The KW shifted copies of one sample's zero-padded plane that the weight gradient reads: copy
// kx, row r, column c holds the padded input at (r, c + kx) for c < ow and 0 for ow <= c < P (P:
// ow rounded up to whole vectors). Every tap's row segment then starts on a vector boundary, so
// no load straddles two cache lines (which halves the loads per cycle), and the lanes past a
// row's end read zeros.
void ShiftedCopies(const float* HWY_RESTRICT x, const Conv2dShape& s, std::int64_t P,
                   float* HWY_RESTRICT copies) {
  const std::int64_t hp = s.oh + s.kh - 1;
  for (std::int64_t kx = 0; kx < s.kw; ++kx) ShiftedPlane(x, s, kx - s.pw, s.ow, hp, P, copies + kx * hp * P);
}

// An (oh, ow) plane of the output gradient at row pitch P, zeros past each row's end.
void PitchedCopy(const float* HWY_RESTRICT g, std::int64_t oh, std::int64_t ow, std::int64_t P,
                 float* HWY_RESTRICT dst) {
  const hn::ScalableTag<float> d;
  const std::int64_t N = static_cast<std::int64_t>(hn::Lanes(d));
  for (std::int64_t oy = 0; oy < oh; ++oy) {
    for (std::int64_t c = 0; c < P; c += N) {
      const std::size_t count = static_cast<std::size_t>(std::clamp<std::int64_t>(ow - c, 0, N));
      hn::Store(LoadFirst(d, g + oy * ow + c, count), d, dst + oy * P + c);
    }
  }
}

// OB output channels of one sample: y (OB planes of oh x ow) from the C input channels' padded
// planes (hp rows at pitch Pp, channel c's at pads + c * hp * Pp, with a vector of slack after
// the last); w: the block's weights, (OB, C, KH * KW). Output vector q is row q / (Pp / N),
// columns from (q mod (Pp / N)) * N, and tap (ky, kx) reads it at q * N + ky * Pp + kx: an
// unaligned load, but only 2 per 16 multiply-adds. Two vectors at a time: each weight,
// broadcast once, feeds both, and the OB * 2 accumulators are independent chains of
// multiply-adds (one vector's taps form a dependent chain). Lanes past the row end compute
// garbage that is never stored.
template <int KH, int KW, int OB>
HWY_INLINE void ForwardBlock(const float* HWY_RESTRICT pads, std::int64_t C, std::int64_t Pp, std::int64_t hp,
                             const float* HWY_RESTRICT w, const float* HWY_RESTRICT b, float* HWY_RESTRICT y,
                             std::int64_t oh, std::int64_t ow) {
  constexpr int kTaps = KH * KW;
  const hn::ScalableTag<float> d;
  using V = hn::Vec<decltype(d)>;
  const std::int64_t N = static_cast<std::int64_t>(hn::Lanes(d)), plane = oh * ow;
  const std::int64_t per_row = Pp / N, vectors = oh * per_row, pad_stride = hp * Pp, w_stride = C * kTaps;
  // The output position of vector q, walked along with it (no division per store).
  std::int64_t oy = 0, vi = 0;
  auto store_next = [&](const V* acc) {
    const std::int64_t ox = vi * N;
    const std::size_t count = static_cast<std::size_t>(std::clamp<std::int64_t>(ow - ox, 0, N));
    for (int j = 0; j < OB; ++j) StoreFirst(acc[j], d, y + j * plane + oy * ow + ox, count);
    if (++vi == per_row) {
      vi = 0;
      ++oy;
    }
  };
  std::int64_t q = 0;
  for (; q + 2 <= vectors; q += 2) {
    V a0[OB], a1[OB];
    for (int j = 0; j < OB; ++j) a0[j] = a1[j] = b != nullptr ? hn::Set(d, b[j]) : hn::Zero(d);
    for (std::int64_t c = 0; c < C; ++c) {
      const float* pc = pads + c * pad_stride + q * N;
      const float* wc = w + c * kTaps;
      for (int ky = 0; ky < KH; ++ky) {
        for (int kx = 0; kx < KW; ++kx) {
          const float* src = pc + ky * Pp + kx;
          const V v0 = hn::LoadU(d, src), v1 = hn::LoadU(d, src + N);
          for (int j = 0; j < OB; ++j) {
            const V wj = hn::Set(d, wc[j * w_stride + ky * KW + kx]);
            a0[j] = hn::MulAdd(wj, v0, a0[j]);
            a1[j] = hn::MulAdd(wj, v1, a1[j]);
          }
        }
      }
    }
    store_next(a0);
    store_next(a1);
  }
  for (; q < vectors; ++q) {
    V acc[OB];
    for (int j = 0; j < OB; ++j) acc[j] = b != nullptr ? hn::Set(d, b[j]) : hn::Zero(d);
    for (std::int64_t c = 0; c < C; ++c) {
      const float* pc = pads + c * pad_stride + q * N;
      const float* wc = w + c * kTaps;
      for (int ky = 0; ky < KH; ++ky) {
        for (int kx = 0; kx < KW; ++kx) {
          const V v = hn::LoadU(d, pc + ky * Pp + kx);
          for (int j = 0; j < OB; ++j)
            acc[j] = hn::MulAdd(hn::Set(d, wc[j * w_stride + ky * KW + kx]), v, acc[j]);
        }
      }
    }
    store_next(acc);
  }
}

// Output channels per block of the weight gradient: their tap sums and gradient vectors fit
// the 32 registers.
template <int KH, int KW>
constexpr int kBlock = KH* KW <= 9 ? 2 : 1;

template <int KH, int KW>
void ForwardSamples(const Conv2dShape& s, const float* x, const float* w, const float* b, float* y,
                    std::int64_t n0, std::int64_t n1, float* pads) {
  constexpr int kTaps = KH * KW;
  const std::int64_t N = static_cast<std::int64_t>(hn::Lanes(hn::ScalableTag<float>()));
  // The padded row (ow + KW - 1 columns) in whole vectors; the output vectors per row follow.
  const std::int64_t Pp = (s.ow + KW - 1 + N - 1) / N * N, hp = s.oh + KH - 1, plane = s.oh * s.ow;
  const std::int64_t pad_stride = hp * Pp, w_block = s.c * kTaps;
  for (std::int64_t i = n0; i < n1; ++i) {
    for (std::int64_t c = 0; c < s.c; ++c)
      ShiftedPlane(x + (i * s.c + c) * s.h * s.w, s, -s.pw, s.ow + KW - 1, hp, Pp, pads + c * pad_stride);
    float* yi = y + i * s.o * plane;
    std::int64_t o = 0;
    for (; o + 8 <= s.o; o += 8)
      ForwardBlock<KH, KW, 8>(pads, s.c, Pp, hp, w + o * w_block, b ? b + o : nullptr, yi + o * plane, s.oh,
                              s.ow);
    for (; o + 2 <= s.o; o += 2)
      ForwardBlock<KH, KW, 2>(pads, s.c, Pp, hp, w + o * w_block, b ? b + o : nullptr, yi + o * plane, s.oh,
                              s.ow);
    for (; o < s.o; ++o)
      ForwardBlock<KH, KW, 1>(pads, s.c, Pp, hp, w + o * w_block, b ? b + o : nullptr, yi + o * plane, s.oh,
                              s.ow);
  }
}

void DirectForward(const Conv2dShape& s, const float* x, const float* w, const float* b, float* y,
                   std::int64_t n0, std::int64_t n1, float* pads) {
  if (s.kh == 3) {
    ForwardSamples<3, 3>(s, x, w, b, y, n0, n1, pads);
  } else {
    ForwardSamples<5, 5>(s, x, w, b, y, n0, n1, pads);
  }
}

// OB output channels and one input channel of one sample added into their running sums: sums,
// the OB channels' KH * KW tap-sum vectors each (channel j's at sums + j * stride); bias, when
// kBias, their bias-gradient vectors. xc: the input channel's KW shifted copies; g: the output
// gradient's planes at row pitch P (channel j's at g + j * gplane); Q vectors per plane.
template <int KH, int KW, int OB, bool kBias>
HWY_INLINE void WeightGradBlock(const float* HWY_RESTRICT xc, std::int64_t P, std::int64_t hp,
                                const float* HWY_RESTRICT g, std::int64_t gplane, std::int64_t Q,
                                float* HWY_RESTRICT sums, std::int64_t stride, float* HWY_RESTRICT bias) {
  constexpr int kTaps = KH * KW;
  const hn::ScalableTag<float> d;
  using V = hn::Vec<decltype(d)>;
  const std::int64_t N = static_cast<std::int64_t>(hn::Lanes(d));
  V sum[OB][kTaps], bsum[OB];
  for (int j = 0; j < OB; ++j) {
    for (int t = 0; t < kTaps; ++t) sum[j][t] = hn::Load(d, sums + j * stride + t * N);
    if (kBias) bsum[j] = hn::Load(d, bias + j * N);
  }
  for (std::int64_t q = 0; q < Q; ++q) {
    V gv[OB];
    for (int j = 0; j < OB; ++j) {
      gv[j] = hn::Load(d, g + j * gplane + q * N);
      if (kBias) bsum[j] = hn::Add(bsum[j], gv[j]);
    }
    for (int ky = 0; ky < KH; ++ky) {
      for (int kx = 0; kx < KW; ++kx) {
        const V v = InRegister(hn::Load(d, xc + (kx * hp + ky) * P + q * N));
        for (int j = 0; j < OB; ++j) sum[j][ky * KW + kx] = hn::MulAdd(gv[j], v, sum[j][ky * KW + kx]);
      }
    }
  }
  for (int j = 0; j < OB; ++j) {
    for (int t = 0; t < kTaps; ++t) hn::Store(sum[j][t], d, sums + j * stride + t * N);
    if (kBias) hn::Store(bsum[j], d, bias + j * N);
  }
}

// The gradients of output channels [o0, o1) over the whole batch. Scratch: copies (the C input
// channels' shifted copies), gcopies ((o1 - o0) pitched output-gradient planes), acc
// ((o1 - o0) * C * KH * KW vectors) and bacc (o1 - o0 vectors), all vector-aligned.
template <int KH, int KW>
void WeightGradChannels(const Conv2dShape& s, const float* x, const float* gy, float* gw, float* gb,
                        std::int64_t o0, std::int64_t o1, float* copies, float* gcopies, float* acc,
                        float* bacc) {
  constexpr int kTaps = KH * KW, kOb = kBlock<KH, KW>;
  const std::int64_t N = static_cast<std::int64_t>(hn::Lanes(hn::ScalableTag<float>()));
  const std::int64_t P = (s.ow + N - 1) / N * N, hp = s.oh + KH - 1, plane = s.oh * s.ow;
  const std::int64_t copy_stride = KW * hp * P, gplane = s.oh * P, Q = gplane / N;
  const std::int64_t per_out = s.c * kTaps * N;  // one output channel's tap sums, all input channels
  std::fill(acc, acc + (o1 - o0) * per_out, 0.0f);
  std::fill(bacc, bacc + (o1 - o0) * N, 0.0f);
  for (std::int64_t i = 0; i < s.n; ++i) {
    for (std::int64_t c = 0; c < s.c; ++c)
      ShiftedCopies(x + (i * s.c + c) * s.h * s.w, s, P, copies + c * copy_stride);
    for (std::int64_t o = o0; o < o1; ++o)
      PitchedCopy(gy + (i * s.o + o) * plane, s.oh, s.ow, P, gcopies + (o - o0) * gplane);
    for (std::int64_t c = 0; c < s.c; ++c) {
      const float* xc = copies + c * copy_stride;
      auto block = [&](auto ob, std::int64_t o) {
        constexpr int kB = decltype(ob)::value;
        float* sums = acc + (o - o0) * per_out + c * kTaps * N;
        const float* g = gcopies + (o - o0) * gplane;
        if (c == 0) {
          WeightGradBlock<KH, KW, kB, true>(xc, P, hp, g, gplane, Q, sums, per_out, bacc + (o - o0) * N);
        } else {
          WeightGradBlock<KH, KW, kB, false>(xc, P, hp, g, gplane, Q, sums, per_out, nullptr);
        }
      };
      std::int64_t o = o0;
      for (; o + kOb <= o1; o += kOb) block(std::integral_constant<int, kOb>(), o);
      for (; o < o1; ++o) block(std::integral_constant<int, 1>(), o);
    }
  }
  // The lanes' partial sums added in double.
  auto total = [&](const float* lanes) {
    double sum = 0;
    for (std::int64_t l = 0; l < N; ++l) sum += static_cast<double>(lanes[l]);
    return static_cast<float>(sum);
  };
  for (std::int64_t o = o0; o < o1; ++o) {
    if (gw != nullptr)
      for (std::int64_t k = 0; k < s.c * kTaps; ++k)
        gw[o * s.c * kTaps + k] = total(acc + (o - o0) * per_out + k * N);
    if (gb != nullptr) gb[o] = total(bacc + (o - o0) * N);
  }
}

void DirectWeightGrad(const Conv2dShape& s, const float* x, const float* gy, float* gw, float* gb,
                      std::int64_t o0, std::int64_t o1, float* copies, float* gcopies, float* acc,
                      float* bacc) {
  if (s.kh == 3) {
    WeightGradChannels<3, 3>(s, x, gy, gw, gb, o0, o1, copies, gcopies, acc, bacc);
  } else {
    WeightGradChannels<5, 5>(s, x, gy, gw, gb, o0, o1, copies, gcopies, acc, bacc);
  }
}

std::int64_t VectorLanes() { return static_cast<std::int64_t>(hn::Lanes(hn::ScalableTag<float>())); }

}  // namespace HWY_NAMESPACE
}  // namespace keel::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include "kernels/cpu/dispatch.h"
#include "kernels/cpu/parallel.h"
#include "kernels/cpu/scratch.h"

namespace keel::kernels {
KEEL_EXPORT(DirectForward);
KEEL_EXPORT(DirectWeightGrad);
KEEL_EXPORT(VectorLanes);

namespace {
struct PadsTag;
struct CopiesTag;
struct GradCopiesTag;
struct TapSumsTag;
struct BiasSumsTag;
struct FlippedTag;

// Per-thread scratch starting on a 64-byte boundary (the kernels' aligned loads).
template <class Tag>
float* aligned_scratch(std::int64_t floats) {
  float* p = thread_scratch<Tag, float>(static_cast<std::size_t>(floats + 16));
  const auto a = reinterpret_cast<std::uintptr_t>(p);
  return reinterpret_cast<float*>((a + 63) / 64 * 64);
}

// The weight gradient's row pitch: ow in whole vectors.
std::int64_t row_pitch(const Conv2dShape& s, std::int64_t lanes) {
  return (s.ow + lanes - 1) / lanes * lanes;
}

// The forward's padded planes of one sample's input channels: hp rows of ow + kw - 1 columns in
// whole vectors, and slack after the last (its last vectors' garbage lanes read up to kw - 1 past it).
float* padded_planes(const Conv2dShape& s, std::int64_t lanes) {
  const std::int64_t pitch = (s.ow + s.kw - 1 + lanes - 1) / lanes * lanes;
  const std::int64_t slack = lanes + s.kw, size = s.c * (s.oh + s.kh - 1) * pitch + slack;
  float* p = aligned_scratch<PadsTag>(size);
  std::fill(p + size - slack, p + size, 0.0f);
  return p;
}
}  // namespace

bool conv2d_direct_applies(const Conv2dShape& s) {
  const bool square = s.kh == s.kw && (s.kh == 3 || s.kh == 5);
  return s.groups == 1 && square && s.sh == 1 && s.sw == 1 && s.dh == 1 && s.dw == 1 && s.ph >= 0 &&
         s.pw >= 0 && s.ph < s.kh && s.pw < s.kw && s.oh == s.h + 2 * s.ph - s.kh + 1 &&
         s.ow == s.w + 2 * s.pw - s.kw + 1 && s.oh > 0 && s.ow > 0 && s.c > 0 && s.o > 0;
}

void conv2d_direct_forward(const Conv2dShape& s, const float* x, const float* w, const float* b, float* y) {
  const std::int64_t lanes = KEEL_DISPATCH(VectorLanes)();
  // A thread is woken for at least 16 * kGrain multiply-adds (an output costs c * kh * kw of
  // them: a grain of outputs kept a small layer's input gradient on one thread).
  const std::int64_t per_sample = s.o * s.oh * s.ow * s.c * s.kh * s.kw;
  const std::int64_t grain = std::max<std::int64_t>(1, 16 * kGrain / std::max<std::int64_t>(1, per_sample));
  parallel_for(0, s.n, grain, [&](std::int64_t n0, std::int64_t n1) {
    KEEL_DISPATCH(DirectForward)(s, x, w, b, y, n0, n1, padded_planes(s, lanes));
  });
}

void conv2d_direct_backward_data(const Conv2dShape& s, const float* w, const float* gy, float* gx) {
  // gx = conv(gy, w') with w'[c][o] the kernel w[o][c] rotated by 180 degrees, padded by
  // k - 1 - p so that the output has the input's size.
  const Conv2dShape t{s.n, s.o, s.oh, s.ow, s.c, s.kh, s.kw, s.h, s.w, 1, 1, s.kh - 1 - s.ph, s.kw - 1 - s.pw,
                      1,   1,   1};
  const std::int64_t taps = s.kh * s.kw;
  float* flipped = thread_scratch<FlippedTag, float>(static_cast<std::size_t>(s.o * s.c * taps));
  for (std::int64_t o = 0; o < s.o; ++o)
    for (std::int64_t c = 0; c < s.c; ++c)
      for (std::int64_t k = 0; k < taps; ++k)
        flipped[(c * s.o + o) * taps + (taps - 1 - k)] = w[(o * s.c + c) * taps + k];
  conv2d_direct_forward(t, gy, flipped, nullptr, gx);
}

void conv2d_direct_backward_weights(const Conv2dShape& s, const float* x, const float* gy, float* gw,
                                    float* gb) {
  if (gw == nullptr && gb == nullptr) return;
  const std::int64_t lanes = KEEL_DISPATCH(VectorLanes)();
  // Threads split the output channels (pairs of them), so no thread's sums depend on another's.
  const std::int64_t work = s.n * s.o * s.oh * s.ow * s.c * s.kh * s.kw;
  const std::int64_t pairs = (s.o + 1) / 2;
  const std::int64_t grain = work >= 32 * kGrain ? 1 : pairs;  // as the forward's grain, for two threads
  parallel_for(0, pairs, grain, [&](std::int64_t p0, std::int64_t p1) {
    const std::int64_t o0 = 2 * p0, o1 = std::min(s.o, 2 * p1), P = row_pitch(s, lanes);
    float* copies = aligned_scratch<CopiesTag>(s.c * s.kw * (s.oh + s.kh - 1) * P);
    float* gcopies = aligned_scratch<GradCopiesTag>((o1 - o0) * s.oh * P);
    float* acc = aligned_scratch<TapSumsTag>((o1 - o0) * s.c * s.kh * s.kw * lanes);
    float* bacc = aligned_scratch<BiasSumsTag>((o1 - o0) * lanes);
    KEEL_DISPATCH(DirectWeightGrad)(s, x, gy, gw, gb, o0, o1, copies, gcopies, acc, bacc);
  });
}

}  // namespace keel::kernels
#endif
