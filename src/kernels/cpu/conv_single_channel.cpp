// Single-input-channel convolution, compiled once per SIMD target by Highway (see binary.cpp).
// Each sample is first copied into KW shifted, zero-bordered planes whose rows are whole
// vectors (ShiftedCopies), so every tap of every output vector is one aligned load: unaligned
// 64-byte loads straddle two cache lines and halved the loads per cycle. The forward keeps 8
// output channels x 2 output vectors of accumulators in registers and broadcasts each weight
// once for both vectors; the weight gradient keeps all 9 (3x3) or 25 (5x5) tap sums of 2 (or 1)
// channels in registers through a sample. A row's last, partial vector goes through masked
// loads and stores.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/cpu/conv_single_channel.cpp"
#include "kernels/cpu/conv_single_channel.h"

#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "kernels/cpu/tail-inl.h"

HWY_BEFORE_NAMESPACE();
namespace keel::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// The KW shifted copies of one sample's zero-padded plane that its taps read: copy kx, row r,
// column c holds the padded input at (r, c + kx) for c < ow and 0 for ow <= c < P (P: ow
// rounded up to whole vectors). Every tap's row segment then starts on a vector boundary, so
// no load straddles two cache lines (which halves the loads per cycle), and the lanes past a
// row's end read zeros. row: scratch of P + KW floats.
void ShiftedCopies(const float* HWY_RESTRICT x, const Conv2dShape& s, std::int64_t P, float* HWY_RESTRICT row,
                   float* HWY_RESTRICT copies) {
  const hn::ScalableTag<float> d;
  const std::int64_t N = static_cast<std::int64_t>(hn::Lanes(d)), hp = s.oh + s.kh - 1;
  std::fill(row, row + P + s.kw, 0.0f);
  for (std::int64_t r = 0; r < hp; ++r) {
    const std::int64_t iy = r - s.ph;
    if (iy < 0 || iy >= s.h) {
      for (std::int64_t kx = 0; kx < s.kw; ++kx) std::fill_n(copies + (kx * hp + r) * P, P, 0.0f);
      continue;
    }
    // row = the padded input row (zeros at both ends stay from the fill above).
    const float* src = x + iy * s.w;
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
  }
}

// OB output channels of one sample: y (OB planes of oh x ow) from the shifted copies. A copy's
// rows hold P / N vectors each, so output vector q (row q / (P / N)) reads at q * N plus the
// tap's offset. Two vectors at a time: each weight, broadcast once, feeds both, and the OB * 2
// accumulators are independent chains of multiply-adds (one vector's taps form a dependent chain).
template <int KH, int KW, int OB>
HWY_INLINE void ForwardBlock(const float* HWY_RESTRICT copies, std::int64_t P, std::int64_t hp,
                             const float* HWY_RESTRICT w, const float* HWY_RESTRICT b, float* HWY_RESTRICT y,
                             std::int64_t oh, std::int64_t ow) {
  constexpr int kTaps = KH * KW;
  const hn::ScalableTag<float> d;
  using V = hn::Vec<decltype(d)>;
  const std::int64_t N = static_cast<std::int64_t>(hn::Lanes(d)), plane = oh * ow;
  const std::int64_t per_row = P / N, vectors = oh * per_row;
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
    for (int ky = 0; ky < KH; ++ky) {
      for (int kx = 0; kx < KW; ++kx) {
        const float* src = copies + (kx * hp + ky) * P + q * N;
        const V v0 = hn::Load(d, src), v1 = hn::Load(d, src + N);
        for (int j = 0; j < OB; ++j) {
          const V wj = hn::Set(d, w[j * kTaps + ky * KW + kx]);
          a0[j] = hn::MulAdd(wj, v0, a0[j]);
          a1[j] = hn::MulAdd(wj, v1, a1[j]);
        }
      }
    }
    store_next(a0);
    store_next(a1);
  }
  for (; q < vectors; ++q) {
    V acc[OB];
    for (int j = 0; j < OB; ++j) acc[j] = b != nullptr ? hn::Set(d, b[j]) : hn::Zero(d);
    for (int ky = 0; ky < KH; ++ky) {
      for (int kx = 0; kx < KW; ++kx) {
        const V v = hn::Load(d, copies + (kx * hp + ky) * P + q * N);
        for (int j = 0; j < OB; ++j) acc[j] = hn::MulAdd(hn::Set(d, w[j * kTaps + ky * KW + kx]), v, acc[j]);
      }
    }
    store_next(acc);
  }
}

// Channels per block of the weight gradient: their tap sums and accumulators fit the 32
// registers.
template <int KH, int KW>
constexpr int kBlock = KH* KW <= 9 ? 2 : 1;

template <int KH, int KW>
void ForwardSamples(const Conv2dShape& s, const float* x, const float* w, const float* b, float* y,
                    std::int64_t n0, std::int64_t n1, float* row, float* copies) {
  constexpr int kTaps = KH * KW;
  const std::int64_t N = static_cast<std::int64_t>(hn::Lanes(hn::ScalableTag<float>()));
  const std::int64_t P = (s.ow + N - 1) / N * N, hp = s.oh + KH - 1, plane = s.oh * s.ow;
  for (std::int64_t i = n0; i < n1; ++i) {
    ShiftedCopies(x + i * s.h * s.w, s, P, row, copies);
    float* yi = y + i * s.o * plane;
    std::int64_t c = 0;
    for (; c + 8 <= s.o; c += 8)
      ForwardBlock<KH, KW, 8>(copies, P, hp, w + c * kTaps, b ? b + c : nullptr, yi + c * plane, s.oh, s.ow);
    for (; c + 2 <= s.o; c += 2)
      ForwardBlock<KH, KW, 2>(copies, P, hp, w + c * kTaps, b ? b + c : nullptr, yi + c * plane, s.oh, s.ow);
    for (; c < s.o; ++c)
      ForwardBlock<KH, KW, 1>(copies, P, hp, w + c * kTaps, b ? b + c : nullptr, yi + c * plane, s.oh, s.ow);
  }
}

void SingleChannelForward(const Conv2dShape& s, const float* x, const float* w, const float* b, float* y,
                          std::int64_t n0, std::int64_t n1, float* row, float* copies) {
  if (s.kh == 3) {
    ForwardSamples<3, 3>(s, x, w, b, y, n0, n1, row, copies);
  } else {
    ForwardSamples<5, 5>(s, x, w, b, y, n0, n1, row, copies);
  }
}

// OB channels of one sample added into their running sums: acc holds, per channel, KH * KW
// vectors of weight-gradient partial sums and one of the bias gradient's.
template <int KH, int KW, int OB>
HWY_INLINE void WeightGradBlock(const float* HWY_RESTRICT copies, std::int64_t P, std::int64_t hp,
                                const float* HWY_RESTRICT gy, std::int64_t oh, std::int64_t ow,
                                float* HWY_RESTRICT acc) {
  constexpr int kTaps = KH * KW;
  const hn::ScalableTag<float> d;
  using V = hn::Vec<decltype(d)>;
  const std::int64_t N = static_cast<std::int64_t>(hn::Lanes(d)), plane = oh * ow;
  V sum[OB][kTaps], bias[OB];
  for (int j = 0; j < OB; ++j) {
    for (int t = 0; t < kTaps; ++t) sum[j][t] = hn::Load(d, acc + (j * (kTaps + 1) + t) * N);
    bias[j] = hn::Load(d, acc + (j * (kTaps + 1) + kTaps) * N);
  }
  for (std::int64_t oy = 0; oy < oh; ++oy) {
    for (std::int64_t ox = 0; ox < ow; ox += N) {
      // Past the row's end both factors are zero, so a non-finite input there adds nothing.
      const std::size_t count = static_cast<std::size_t>(std::min(N, ow - ox));
      V g[OB];
      for (int j = 0; j < OB; ++j) {
        g[j] = LoadFirst(d, gy + j * plane + oy * ow + ox, count);
        bias[j] = hn::Add(bias[j], g[j]);
      }
      for (int ky = 0; ky < KH; ++ky) {
        for (int kx = 0; kx < KW; ++kx) {
          const V v = hn::Load(d, copies + (kx * hp + oy + ky) * P + ox);
          for (int j = 0; j < OB; ++j) sum[j][ky * KW + kx] = hn::MulAdd(g[j], v, sum[j][ky * KW + kx]);
        }
      }
    }
  }
  for (int j = 0; j < OB; ++j) {
    for (int t = 0; t < kTaps; ++t) hn::Store(sum[j][t], d, acc + (j * (kTaps + 1) + t) * N);
    hn::Store(bias[j], d, acc + (j * (kTaps + 1) + kTaps) * N);
  }
}

// The gradients of output channels [c0, c1) over the whole batch; acc: (c1 - c0) * (KH * KW + 1)
// aligned vectors of scratch.
template <int KH, int KW>
void WeightGradChannels(const Conv2dShape& s, const float* x, const float* gy, float* gw, float* gb,
                        std::int64_t c0, std::int64_t c1, float* row, float* copies, float* acc) {
  constexpr int kTaps = KH * KW, kOb = kBlock<KH, KW>;
  const std::int64_t N = static_cast<std::int64_t>(hn::Lanes(hn::ScalableTag<float>()));
  const std::int64_t P = (s.ow + N - 1) / N * N, hp = s.oh + KH - 1, plane = s.oh * s.ow;
  const std::int64_t per_channel = (kTaps + 1) * N;
  std::fill(acc, acc + (c1 - c0) * per_channel, 0.0f);
  for (std::int64_t i = 0; i < s.n; ++i) {
    ShiftedCopies(x + i * s.h * s.w, s, P, row, copies);
    const float* gyi = gy + i * s.o * plane;
    std::int64_t c = c0;
    for (; c + kOb <= c1; c += kOb)
      WeightGradBlock<KH, KW, kOb>(copies, P, hp, gyi + c * plane, s.oh, s.ow, acc + (c - c0) * per_channel);
    for (; c < c1; ++c)
      WeightGradBlock<KH, KW, 1>(copies, P, hp, gyi + c * plane, s.oh, s.ow, acc + (c - c0) * per_channel);
  }
  // The lanes' partial sums added in double.
  auto total = [&](const float* lanes) {
    double sum = 0;
    for (std::int64_t l = 0; l < N; ++l) sum += static_cast<double>(lanes[l]);
    return static_cast<float>(sum);
  };
  for (std::int64_t c = c0; c < c1; ++c) {
    const float* a = acc + (c - c0) * per_channel;
    for (int t = 0; t < kTaps; ++t)
      if (gw != nullptr) gw[c * kTaps + t] = total(a + t * N);
    if (gb != nullptr) gb[c] = total(a + kTaps * N);
  }
}

void SingleChannelWeightGrad(const Conv2dShape& s, const float* x, const float* gy, float* gw, float* gb,
                             std::int64_t c0, std::int64_t c1, float* row, float* copies, float* acc) {
  if (s.kh == 3) {
    WeightGradChannels<3, 3>(s, x, gy, gw, gb, c0, c1, row, copies, acc);
  } else {
    WeightGradChannels<5, 5>(s, x, gy, gw, gb, c0, c1, row, copies, acc);
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
KEEL_EXPORT(SingleChannelForward);
KEEL_EXPORT(SingleChannelWeightGrad);
KEEL_EXPORT(VectorLanes);

namespace {
struct RowTag;
struct CopiesTag;
struct TapSumsTag;

// Per-thread scratch, each buffer starting on a 64-byte boundary (the kernels' aligned loads).
template <class Tag>
float* aligned_scratch(std::int64_t floats) {
  float* p = thread_scratch<Tag, float>(static_cast<std::size_t>(floats + 16));
  const auto a = reinterpret_cast<std::uintptr_t>(p);
  return reinterpret_cast<float*>((a + 63) / 64 * 64);
}

struct Scratch {
  float *row, *copies;
};
Scratch sample_scratch(const Conv2dShape& s, std::int64_t lanes) {
  const std::int64_t P = (s.ow + lanes - 1) / lanes * lanes;
  return {aligned_scratch<RowTag>(P + s.kw + lanes),
          aligned_scratch<CopiesTag>(s.kw * (s.oh + s.kh - 1) * P)};
}
}  // namespace

bool conv2d_single_channel_applies(const Conv2dShape& s) {
  const bool square = s.kh == s.kw && (s.kh == 3 || s.kh == 5);
  return s.c == 1 && s.groups == 1 && square && s.sh == 1 && s.sw == 1 && s.dh == 1 && s.dw == 1 &&
         s.ph >= 0 && s.pw >= 0 && s.oh == s.h + 2 * s.ph - s.kh + 1 && s.ow == s.w + 2 * s.pw - s.kw + 1 &&
         s.oh > 0 && s.ow > 0;
}

void conv2d_single_channel_forward(const Conv2dShape& s, const float* x, const float* w, const float* b,
                                   float* y) {
  const std::int64_t lanes = KEEL_DISPATCH(VectorLanes)();
  // A thread is woken for at least kGrain outputs.
  const std::int64_t grain = std::max<std::int64_t>(1, kGrain / std::max<std::int64_t>(1, s.o * s.oh * s.ow));
  parallel_for(0, s.n, grain, [&](std::int64_t n0, std::int64_t n1) {
    const Scratch t = sample_scratch(s, lanes);
    KEEL_DISPATCH(SingleChannelForward)(s, x, w, b, y, n0, n1, t.row, t.copies);
  });
}

void conv2d_single_channel_backward_weights(const Conv2dShape& s, const float* x, const float* gy, float* gw,
                                            float* gb) {
  if (gw == nullptr && gb == nullptr) return;
  const std::int64_t lanes = KEEL_DISPATCH(VectorLanes)();
  // Threads split the output channels (pairs of them), so no thread's sums depend on another's.
  const std::int64_t work = s.n * s.o * s.oh * s.ow;
  const std::int64_t pairs = (s.o + 1) / 2;
  const std::int64_t grain = work >= 2 * kGrain ? 1 : pairs;
  parallel_for(0, pairs, grain, [&](std::int64_t p0, std::int64_t p1) {
    const std::int64_t c0 = 2 * p0, c1 = std::min(s.o, 2 * p1);
    const Scratch t = sample_scratch(s, lanes);
    float* acc = aligned_scratch<TapSumsTag>((c1 - c0) * (s.kh * s.kw + 1) * lanes);
    KEEL_DISPATCH(SingleChannelWeightGrad)(s, x, gy, gw, gb, c0, c1, t.row, t.copies, acc);
  });
}

}  // namespace keel::kernels
#endif
