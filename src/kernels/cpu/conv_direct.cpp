// keel's direct convolution (conv_direct.h), compiled once per SIMD target by Highway (see
// binary.cpp). Each input plane of a sample is first copied into KW shifted, zero-bordered planes
// whose rows are whole vectors (ShiftedCopies), so every tap of every output vector is one
// aligned load: unaligned 64-byte loads straddle two cache lines and halved the loads per
// cycle. The forward keeps 8 output channels x 2 output vectors of accumulators in registers
// and broadcasts each weight once for both vectors; the input gradient is that forward on the
// output gradient; the weight gradient keeps all 9 (3x3) or 25 (5x5) tap sums of 2 (or 1)
// output channels and one input channel in registers through a sample, reading the output
// gradient from copies with the same row pitch. The lanes past a row's end read zeros and are
// never stored.
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

// The KW shifted copies of one sample's zero-padded plane that its taps read: copy kx, row r,
// column c holds the padded input at (r, c + kx) for c < ow and 0 for ow <= c < P (P: ow
// rounded up to whole vectors). Every tap's row segment then starts on a vector boundary, so
// no load straddles two cache lines (which halves the loads per cycle), and the lanes past a
// row's end read zeros. row: scratch of P + KW + N floats.
void ShiftedCopies(const float* HWY_RESTRICT x, const Conv2dShape& s, std::int64_t P, float* HWY_RESTRICT row,
                   float* HWY_RESTRICT copies) {
  const hn::ScalableTag<float> d;
  const std::int64_t N = static_cast<std::int64_t>(hn::Lanes(d)), hp = s.oh + s.kh - 1;
#if HWY_TARGET != HWY_AVX3
  std::fill(row, row + P + s.kw + N, 0.0f);
#else
  (void)row;
#endif
  for (std::int64_t r = 0; r < hp; ++r) {
    const std::int64_t iy = r - s.ph;
    if (iy < 0 || iy >= s.h) {
      for (std::int64_t kx = 0; kx < s.kw; ++kx) std::fill_n(copies + (kx * hp + r) * P, P, 0.0f);
      continue;
    }
    const float* src = x + iy * s.w;
#if HWY_TARGET == HWY_AVX3
    // Each vector straight from the input row: the lanes inside it and inside the output row,
    // through a masked load (AVX-512's masked-off lanes are never read, so the address may
    // begin before the row). Staging the row in a buffer made every load wait on the stores
    // just made to it (a failed store-to-load forward per load: 20% of a small layer's time).
    for (std::int64_t kx = 0; kx < s.kw; ++kx) {
      float* dst = copies + (kx * hp + r) * P;
      const std::int64_t shift = kx - s.pw;
      for (std::int64_t c = 0; c < P; c += N) {
        const std::int64_t lo = std::clamp<std::int64_t>(-shift - c, 0, N);
        const std::int64_t hi = std::clamp<std::int64_t>(std::min(s.ow - c, s.w - shift - c), 0, N);
        if (hi <= lo) {
          hn::Store(hn::Zero(d), d, dst + c);
        } else {
          const auto lanes = hn::AndNot(hn::FirstN(d, static_cast<std::size_t>(lo)),
                                        hn::FirstN(d, static_cast<std::size_t>(hi)));
          hn::Store(hn::MaskedLoad(lanes, d, src + c + shift), d, dst + c);
        }
      }
    }
#else
    // row = the padded input row (zeros at both ends stay from the fill above).
    for (std::int64_t c = 0; c < s.w; c += N) {
      const std::size_t count = static_cast<std::size_t>(std::min(N, s.w - c));
      StoreFirst(LoadFirst(d, src + c, count), d, row + s.pw + c, count);
    }
    for (std::int64_t kx = 0; kx < s.kw; ++kx) {
      float* dst = copies + (kx * hp + r) * P;
      for (std::int64_t c = 0; c < P; c += N) {
        const std::size_t count = static_cast<std::size_t>(std::clamp<std::int64_t>(s.ow - c, 0, N));
        hn::Store(LoadFirst(d, row + kx + c, count), d, dst + c);
      }
    }
#endif
  }
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

// OB output channels of one sample: y (OB planes of oh x ow) from the C input channels' shifted
// copies (channel c's KW copies at copies + c * KW * hp * P); w: the block's weights,
// (OB, C, KH * KW). A copy's rows hold P / N vectors each, so output vector q (row q / (P / N))
// reads at q * N plus the tap's offset. Two vectors at a time: each weight, broadcast once,
// feeds both, and the OB * 2 accumulators are independent chains of multiply-adds (one vector's
// taps form a dependent chain).
template <int KH, int KW, int OB>
HWY_INLINE void ForwardBlock(const float* HWY_RESTRICT copies, std::int64_t C, std::int64_t P,
                             std::int64_t hp, const float* HWY_RESTRICT w, const float* HWY_RESTRICT b,
                             float* HWY_RESTRICT y, std::int64_t oh, std::int64_t ow) {
  constexpr int kTaps = KH * KW;
  const hn::ScalableTag<float> d;
  using V = hn::Vec<decltype(d)>;
  const std::int64_t N = static_cast<std::int64_t>(hn::Lanes(d)), plane = oh * ow;
  const std::int64_t per_row = P / N, vectors = oh * per_row, copy_stride = KW * hp * P, w_stride = C * kTaps;
  // The output position of vector q, walked along with it (no division per store).
  std::int64_t oy = 0, vi = 0;
  auto store_next = [&](const V* acc) {
    const std::int64_t ox = vi * N;
    const std::size_t count = static_cast<std::size_t>(std::min(N, ow - ox));
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
      const float* cc = copies + c * copy_stride + q * N;
      const float* wc = w + c * kTaps;
      for (int ky = 0; ky < KH; ++ky) {
        for (int kx = 0; kx < KW; ++kx) {
          const float* src = cc + (kx * hp + ky) * P;
          const V v0 = hn::Load(d, src), v1 = hn::Load(d, src + N);
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
      const float* cc = copies + c * copy_stride + q * N;
      const float* wc = w + c * kTaps;
      for (int ky = 0; ky < KH; ++ky) {
        for (int kx = 0; kx < KW; ++kx) {
          const V v = hn::Load(d, cc + (kx * hp + ky) * P);
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
                    std::int64_t n0, std::int64_t n1, float* row, float* copies) {
  constexpr int kTaps = KH * KW;
  const std::int64_t N = static_cast<std::int64_t>(hn::Lanes(hn::ScalableTag<float>()));
  const std::int64_t P = (s.ow + N - 1) / N * N, hp = s.oh + KH - 1, plane = s.oh * s.ow;
  const std::int64_t copy_stride = KW * hp * P, w_block = s.c * kTaps;
  for (std::int64_t i = n0; i < n1; ++i) {
    for (std::int64_t c = 0; c < s.c; ++c)
      ShiftedCopies(x + (i * s.c + c) * s.h * s.w, s, P, row, copies + c * copy_stride);
    float* yi = y + i * s.o * plane;
    std::int64_t o = 0;
    for (; o + 8 <= s.o; o += 8)
      ForwardBlock<KH, KW, 8>(copies, s.c, P, hp, w + o * w_block, b ? b + o : nullptr, yi + o * plane, s.oh,
                              s.ow);
    for (; o + 2 <= s.o; o += 2)
      ForwardBlock<KH, KW, 2>(copies, s.c, P, hp, w + o * w_block, b ? b + o : nullptr, yi + o * plane, s.oh,
                              s.ow);
    for (; o < s.o; ++o)
      ForwardBlock<KH, KW, 1>(copies, s.c, P, hp, w + o * w_block, b ? b + o : nullptr, yi + o * plane, s.oh,
                              s.ow);
  }
}

void DirectForward(const Conv2dShape& s, const float* x, const float* w, const float* b, float* y,
                   std::int64_t n0, std::int64_t n1, float* row, float* copies) {
  if (s.kh == 3) {
    ForwardSamples<3, 3>(s, x, w, b, y, n0, n1, row, copies);
  } else {
    ForwardSamples<5, 5>(s, x, w, b, y, n0, n1, row, copies);
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
        const V v = hn::Load(d, xc + (kx * hp + ky) * P + q * N);
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
                        std::int64_t o0, std::int64_t o1, float* row, float* copies, float* gcopies,
                        float* acc, float* bacc) {
  constexpr int kTaps = KH * KW, kOb = kBlock<KH, KW>;
  const std::int64_t N = static_cast<std::int64_t>(hn::Lanes(hn::ScalableTag<float>()));
  const std::int64_t P = (s.ow + N - 1) / N * N, hp = s.oh + KH - 1, plane = s.oh * s.ow;
  const std::int64_t copy_stride = KW * hp * P, gplane = s.oh * P, Q = gplane / N;
  const std::int64_t per_out = s.c * kTaps * N;  // one output channel's tap sums, all input channels
  std::fill(acc, acc + (o1 - o0) * per_out, 0.0f);
  std::fill(bacc, bacc + (o1 - o0) * N, 0.0f);
  for (std::int64_t i = 0; i < s.n; ++i) {
    for (std::int64_t c = 0; c < s.c; ++c)
      ShiftedCopies(x + (i * s.c + c) * s.h * s.w, s, P, row, copies + c * copy_stride);
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
                      std::int64_t o0, std::int64_t o1, float* row, float* copies, float* gcopies, float* acc,
                      float* bacc) {
  if (s.kh == 3) {
    WeightGradChannels<3, 3>(s, x, gy, gw, gb, o0, o1, row, copies, gcopies, acc, bacc);
  } else {
    WeightGradChannels<5, 5>(s, x, gy, gw, gb, o0, o1, row, copies, gcopies, acc, bacc);
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
struct RowTag;
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

std::int64_t row_pitch(const Conv2dShape& s, std::int64_t lanes) {
  return (s.ow + lanes - 1) / lanes * lanes;
}

// The padded input row and the shifted copies of one sample's input channels.
struct SampleScratch {
  float *row, *copies;
};
SampleScratch sample_scratch(const Conv2dShape& s, std::int64_t lanes) {
  const std::int64_t P = row_pitch(s, lanes);
  return {aligned_scratch<RowTag>(P + s.kw + lanes),
          aligned_scratch<CopiesTag>(s.c * s.kw * (s.oh + s.kh - 1) * P)};
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
    const SampleScratch t = sample_scratch(s, lanes);
    KEEL_DISPATCH(DirectForward)(s, x, w, b, y, n0, n1, t.row, t.copies);
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
    const SampleScratch t = sample_scratch(s, lanes);
    float* gcopies = aligned_scratch<GradCopiesTag>((o1 - o0) * s.oh * P);
    float* acc = aligned_scratch<TapSumsTag>((o1 - o0) * s.c * s.kh * s.kw * lanes);
    float* bacc = aligned_scratch<BiasSumsTag>((o1 - o0) * lanes);
    KEEL_DISPATCH(DirectWeightGrad)(s, x, gy, gw, gb, o0, o1, t.row, t.copies, gcopies, acc, bacc);
  });
}

}  // namespace keel::kernels
#endif
