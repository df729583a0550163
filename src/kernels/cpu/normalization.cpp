// Batch, layer and group (instance) normalization, forward and analytic backward. This file is
// compiled once per SIMD target by Highway (foreach_target), so the plain loops below are
// auto-vectorized for AVX-512, AVX2 and the baseline; reductions use `omp simd reduction`,
// which lets the compiler reassociate a sum into vector lanes without -ffast-math.
//
// Memory traffic is what these kernels are about. Group and layer norm work on blocks that stay
// in cache between their passes (a (sample, group) block or a row), so the second pass over a
// block (normalize, or grad_input) reads it from cache, not memory. Batch norm sweeps rows
// (samples) into per-channel sums in per-thread partial buffers (vectorized across columns when
// the channel has no spatial extent, BatchNorm1d on (N, C)), then normalizes row by row; with
// ReLU and MaxPool2d(2) after it, it also pools each plane while the plane is in cache. Row outputs larger
// than the caches (layer norm, BatchNorm1d) are written with non-temporal stores (StreamOut),
// which saves the read of each written line.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/cpu/normalization.cpp"
// clang-format off
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/cache_control.h>
#include <hwy/highway.h>
// clang-format on

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "keel/core/dtype.h"
#include "kernels/cpu/max_pool_2x2.h"
#include "kernels/cpu/parallel.h"
#include "kernels/cpu/scratch.h"

#ifndef KEEL_KERNELS_NORMALIZATION_ARGS_
#define KEEL_KERNELS_NORMALIZATION_ARGS_
namespace keel::kernels::norm_detail {
// Raw pointers and sizes handed from the dispatcher to the per-target code.
struct Args {
  const void* x = nullptr;
  const void* g = nullptr;  // gradient of the output (backward)
  void* y = nullptr;        // output, or grad_input in backward (may be null)
  const void* w = nullptr;  // may be null: 1
  const void* b = nullptr;  // may be null: 0
  void* dw = nullptr;       // may be null
  void* db = nullptr;       // may be null
  double* mean = nullptr;
  double* rstd = nullptr;
  double* var = nullptr;  // may be null
  std::int64_t n = 0, c = 0, s = 0, groups = 1;
  double eps = 0;
  bool train = true;
  // Batch norm followed by ReLU, fused: the forward clamps (y = max(bn(x), 0), NaN kept), the
  // backward masks the incoming gradient by the saved output (g where y > 0, as ReLU's).
  bool relu = false;
  const void* relu_out = nullptr;  // backward: the fused forward's output
  // Batch norm + ReLU + MaxPool2d(2): the (h, w) planes, and per pooled output the flat position
  // of its window's maximum in the plane (int32) and the input value there.
  void* pool_arg = nullptr;
  void* pool_xmax = nullptr;
  std::int64_t pool_h = 0, pool_w = 0;
};
}  // namespace keel::kernels::norm_detail
#endif

HWY_BEFORE_NAMESPACE();
namespace keel::kernels {
namespace HWY_NAMESPACE {

using norm_detail::Args;
using I64 = std::int64_t;

// s += sum(x - k), q += sum((x - k)^2). Shifting by a sample k of the data keeps the one-pass
// variance q/n - (s/n)^2 free of cancellation when the mean is large against the spread.
template <class T>
inline void Moments(const T* HWY_RESTRICT x, I64 n, double k, double& s, double& q) {
  double a = 0, b = 0;
#pragma omp simd reduction(+ : a, b)
  for (I64 i = 0; i < n; ++i) {
    double d = static_cast<double>(x[i]) - k;
    a += d;
    b += d * d;
  }
  s += a;
  q += b;
}

// sg += sum(g), sgx += sum(g * (x - mean)).
template <class T>
inline void GradMoments(const T* HWY_RESTRICT g, const T* HWY_RESTRICT x, I64 n, double mean, double& sg,
                        double& sgx) {
  double a = 0, b = 0;
#pragma omp simd reduction(+ : a, b)
  for (I64 i = 0; i < n; ++i) {
    double gi = static_cast<double>(g[i]);
    a += gi;
    b += gi * (static_cast<double>(x[i]) - mean);
  }
  sg += a;
  sgx += b;
}

// sg += sum(g * w), sgx += sum(g * w * (x - mean)).
template <class T>
inline void WeightedGradMoments(const T* HWY_RESTRICT g, const T* HWY_RESTRICT w, const T* HWY_RESTRICT x,
                                I64 n, double mean, double& sg, double& sgx) {
  double a = 0, b = 0;
#pragma omp simd reduction(+ : a, b)
  for (I64 i = 0; i < n; ++i) {
    double gw = static_cast<double>(g[i]) * static_cast<double>(w[i]);
    a += gw;
    b += gw * (static_cast<double>(x[i]) - mean);
  }
  sg += a;
  sgx += b;
}

// y = x * a + b over a run; with kRelu, then x < 0 ? 0 : x (ReLU's rule: keeps -0 and NaN).
template <bool kRelu = false, class T>
inline void Affine(const T* HWY_RESTRICT x, T* HWY_RESTRICT y, I64 n, T a, T b) {
  for (I64 i = 0; i < n; ++i) {
    const T v = x[i] * a + b;
    y[i] = kRelu && v < T(0) ? T(0) : v;
  }
}

template <class T>
inline void AffineMaybeRelu(bool relu, const T* HWY_RESTRICT x, T* HWY_RESTRICT y, I64 n, T a, T b) {
  if (relu) {
    Affine<true>(x, y, n, a, b);
  } else {
    Affine<false>(x, y, n, a, b);
  }
}

// The gradient reaching the batch norm through a fused ReLU: 0 where its output was <= 0
// (ReLU's backward rule; NaN outputs pass the gradient).
template <class T>
inline T ReluMasked(T g, T y) {
  return y <= T(0) ? T(0) : g;
}

// out[0, n) = the masked gradient, vectorized (a select inside the reduction loops below kept
// the compiler from vectorizing them).
template <class T>
inline void MaskByRelu(const T* HWY_RESTRICT g, const T* HWY_RESTRICT y, T* HWY_RESTRICT out, I64 n) {
  const hwy::HWY_NAMESPACE::ScalableTag<T> d;
  const I64 N = static_cast<I64>(hwy::HWY_NAMESPACE::Lanes(d));
  I64 i = 0;
  for (; i + N <= n; i += N) {
    const auto yv = hwy::HWY_NAMESPACE::LoadU(d, y + i);
    hwy::HWY_NAMESPACE::StoreU(
        hwy::HWY_NAMESPACE::IfThenZeroElse(hwy::HWY_NAMESPACE::Le(yv, hwy::HWY_NAMESPACE::Zero(d)),
                                           hwy::HWY_NAMESPACE::LoadU(d, g + i)),
        d, out + i);
  }
  for (; i < n; ++i) out[i] = ReluMasked(g[i], y[i]);
}

// A thread's scratch row for masked gradients (kernels/cpu/scratch.h).
struct MaskedGradTag;
template <class T>
T* MaskScratch(I64 n) {
  return thread_scratch<MaskedGradTag, T>(static_cast<std::size_t>(n));
}

// dx = g * c1 + x * c2 + c3 over a run.
template <class T>
inline void GradAffine(const T* HWY_RESTRICT g, const T* HWY_RESTRICT x, T* HWY_RESTRICT dx, I64 n, T c1,
                       T c2, T c3) {
  for (I64 i = 0; i < n; ++i) dx[i] = g[i] * c1 + x[i] * c2 + c3;
}

namespace hn = hwy::HWY_NAMESPACE;

// Outputs larger than half the last-level cache bypass it (non-temporal stores): with their
// input they cannot stay cached until they are read again anyway, and a plain store first reads
// each line it writes, which makes writing cost as much memory traffic as two reads. Below that
// the lines stay in the cache and plain stores win: on the Zen 5 VM (L3 reported as 508 MiB)
// streaming BatchNorm1d's and LayerNorm's 16 MB outputs made their forward + backward on
// (4096, 1024) 25% and 12% slower at 1 thread. Where the cache size is unknown, 8 MB.
inline I64 StreamBytes() {
  static const I64 bytes = [] {
    const long llc = sysconf(_SC_LEVEL3_CACHE_SIZE);
    return std::max<I64>(I64{8} << 20, llc > 0 ? static_cast<I64>(llc) / 2 : 0);
  }();
  return bytes;
}

template <class T>
bool StreamOutput(I64 elems) {
  return elems * static_cast<I64>(sizeof(T)) >= StreamBytes();
}

// dst[0, n) = src[0, n) with non-temporal stores from the first vector-aligned element of dst.
// src is a row just computed into an L1-resident buffer. Call hwy::FlushStream() before other
// threads read dst.
template <class T>
void StreamOut(const T* HWY_RESTRICT src, T* HWY_RESTRICT dst, I64 n) {
  const hn::ScalableTag<T> d;
  const I64 lanes = static_cast<I64>(hn::Lanes(d));
  const std::uintptr_t align = static_cast<std::uintptr_t>(lanes) * sizeof(T);
  I64 i = 0;
  while (i < n && reinterpret_cast<std::uintptr_t>(dst + i) % align != 0) {
    dst[i] = src[i];
    ++i;
  }
  for (; i + lanes <= n; i += lanes) hn::Stream(hn::LoadU(d, src + i), d, dst + i);
  for (; i < n; ++i) dst[i] = src[i];
}

// Splits [0, total) into `parts` nearly equal ranges: the bounds of part k.
inline I64 PartBegin(I64 total, I64 parts, I64 k) { return total * k / parts; }

// How many pieces to cut a sweep over `rows` rows of `row_elems` elements into: one per thread
// when the work is large enough, each at least a grain.
inline I64 SweepParts(I64 rows, I64 row_elems) {
  I64 by_work = std::max<I64>(1, rows * row_elems / kGrain);
  return std::max<I64>(1, std::min<I64>({rows, by_work, static_cast<I64>(omp_get_max_threads())}));
}

inline I64 RowGrain(I64 elems_per_row) { return std::max<I64>(1, kGrain / std::max<I64>(1, elems_per_row)); }

// Channel c's totals of the per-part pairs of sums a sweep left in `part` (part k holds C
// first sums, then C second sums).
inline void PartTotals(const std::vector<double>& part, I64 parts, I64 C, I64 c, double& a, double& b) {
  a = 0;
  b = 0;
  for (I64 k = 0; k < parts; ++k) {
    a += part[k * 2 * C + c];
    b += part[k * 2 * C + C + c];
  }
}

// Rows swept together into per-column sums: each column's running sums are loaded and stored
// once per kSweepRows rows, not once per row. One row at a time, BatchNorm1d's statistics on
// (4096, 1024) moved 2 loads and 2 stores of sums per element read and ran at a third of the
// memory's speed. Each column still adds its rows in order, so the sums are bit-identical.
constexpr I64 kSweepRows = 4;

// s[j] += sum over the rows of (x[r][j] - k[j]), q[j] += the squares, for rows x[0..rows) of
// C columns, ld apart; rows <= kSweepRows (the fixed count unrolls into one pass per column).
template <class T>
inline void ColumnMoments(const T* HWY_RESTRICT x, I64 ld, I64 rows, I64 C, const double* HWY_RESTRICT k,
                          double* HWY_RESTRICT s, double* HWY_RESTRICT q) {
  auto sweep = [&](auto n) {
    for (I64 j = 0; j < C; ++j) {
      double sj = s[j], qj = q[j];
      for (I64 i = 0; i < n; ++i) {
        const double d = static_cast<double>(x[i * ld + j]) - k[j];
        sj += d;
        qj += d * d;
      }
      s[j] = sj;
      q[j] = qj;
    }
  };
  if (rows == kSweepRows) return sweep(std::integral_constant<I64, kSweepRows>());
  sweep(rows);
}

// sg[j] += sum over the rows of g[r][j], sgx[j] += sum of g[r][j] (x[r][j] - mean[j]), for rows
// of C columns (g's rows gld apart, x's xld); rows <= kSweepRows.
template <class T>
inline void ColumnGradMoments(const T* HWY_RESTRICT g, I64 gld, const T* HWY_RESTRICT x, I64 xld, I64 rows,
                              I64 C, const double* HWY_RESTRICT mean, double* HWY_RESTRICT sg,
                              double* HWY_RESTRICT sgx) {
  auto sweep = [&](auto n) {
    for (I64 j = 0; j < C; ++j) {
      double a = sg[j], b = sgx[j];
      for (I64 i = 0; i < n; ++i) {
        const double gj = static_cast<double>(g[i * gld + j]);
        a += gj;
        b += gj * (static_cast<double>(x[i * xld + j]) - mean[j]);
      }
      sg[j] = a;
      sgx[j] = b;
    }
  };
  if (rows == kSweepRows) return sweep(std::integral_constant<I64, kSweepRows>());
  sweep(rows);
}

// ---- batch norm ----------------------------------------------------------------------------
// Batch norm sweeps whole rows (samples), each thread its own block of rows with per-channel
// partial sums, then normalizes row by row. It used to go channel by channel when there were
// more channels than threads (a channel's N planes, strided C * S apart, stay in cache between
// the two passes), but on the Zen 5 that lost: BatchNorm2d (32, 64, 32, 32) forward + backward
// 2.1-2.4 ms at 1 thread against 1.2-1.3 by rows (short strided runs defeat the prefetchers),
// and at 2 threads its channel split left every max-pool and convolution after it reading the
// other core's half (BatchNorm2d + ReLU + MaxPool2d on (32, 8, 28, 28): 243 us at 2 threads by
// channels, 126-140 by rows; cnn_step +4% at 1 thread and +6% at 2, docs/benchmarks.md). At one
// thread the sums come in the same order either way.

// Per-channel scale and shift from statistics and affine params: y = x * a + b.
template <class T>
void ChannelScaleShift(const Args& p, std::vector<T>& a, std::vector<T>& b) {
  const T* w = static_cast<const T*>(p.w);
  const T* bias = static_cast<const T*>(p.b);
  a.resize(p.c);
  b.resize(p.c);
  for (I64 c = 0; c < p.c; ++c) {
    double sc = p.rstd[c] * (w ? static_cast<double>(w[c]) : 1.0);
    a[c] = static_cast<T>(sc);
    b[c] = static_cast<T>((bias ? static_cast<double>(bias[c]) : 0.0) - p.mean[c] * sc);
  }
}

// y = x * a[c] + b[c] for every element of channel c.
template <class T>
void ApplyChannels(const T* HWY_RESTRICT x, T* HWY_RESTRICT y, I64 n, I64 c, I64 s, const T* HWY_RESTRICT a,
                   const T* HWY_RESTRICT b, bool relu) {
  if (s == 1) {
    const bool stream = StreamOutput<T>(n * c);
    parallel_for(0, n, RowGrain(c), [&](I64 r0, I64 r1) {
      std::vector<T> row(stream ? static_cast<std::size_t>(c) : 0);
      for (I64 r = r0; r < r1; ++r) {
        const T* HWY_RESTRICT xr = x + r * c;
        T* HWY_RESTRICT yr = stream ? row.data() : y + r * c;
        if (relu) {
          for (I64 j = 0; j < c; ++j) {
            const T v = xr[j] * a[j] + b[j];
            yr[j] = v < T(0) ? T(0) : v;
          }
        } else {
          for (I64 j = 0; j < c; ++j) yr[j] = xr[j] * a[j] + b[j];
        }
        if (stream) StreamOut(yr, y + r * c, c);
      }
      if (stream) hwy::FlushStream();
    });
    return;
  }
  parallel_for(0, n * c, RowGrain(s), [&](I64 i0, I64 i1) {
    for (I64 i = i0; i < i1; ++i) AffineMaybeRelu(relu, x + i * s, y + i * s, s, a[i % c], b[i % c]);
  });
}

template <class T>
void FinishStats(const Args& p, I64 ch, double k, double s, double q) {
  const double cnt = static_cast<double>(p.n * p.s);
  double m1 = s / cnt;
  double var = std::max(q / cnt - m1 * m1, 0.0);
  p.mean[ch] = k + m1;
  p.rstd[ch] = 1.0 / std::sqrt(var + p.eps);
  if (p.var) p.var[ch] = var;
}

// The batch's per-channel statistics into p.mean, p.rstd and p.var.
template <class T>
void BatchStats(const Args& p) {
  const T* x = static_cast<const T*>(p.x);
  const I64 N = p.n, C = p.c, S = p.s;
  // Sweep rows into per-part, per-channel sums shifted by the first row's values.
  const I64 parts = SweepParts(N, C * S);
  std::vector<double> shift(C), part(static_cast<std::size_t>(parts * 2 * C), 0.0);
  for (I64 c = 0; c < C; ++c) shift[c] = static_cast<double>(x[c * S]);
  parallel_for(0, parts, 1, [&](I64 k0, I64 k1) {
    for (I64 k = k0; k < k1; ++k) {
      double* HWY_RESTRICT ps = part.data() + k * 2 * C;
      double* HWY_RESTRICT pq = ps + C;
      const double* HWY_RESTRICT sh = shift.data();
      const I64 rb = PartBegin(N, parts, k), re = PartBegin(N, parts, k + 1);
      if (S == 1) {
        for (I64 r = rb; r < re; r += kSweepRows)
          ColumnMoments(x + r * C, C, std::min(kSweepRows, re - r), C, sh, ps, pq);
        continue;
      }
      for (I64 r = rb; r < re; ++r) {
        const T* HWY_RESTRICT xr = x + r * C * S;
        for (I64 j = 0; j < C; ++j) Moments(xr + j * S, S, sh[j], ps[j], pq[j]);
      }
    }
  });
  for (I64 c = 0; c < C; ++c) {
    double s, q;
    PartTotals(part, parts, C, c, s, q);
    FinishStats<T>(p, c, shift[c], s, q);
  }
}

template <class T>
void BatchNormTrainForwardT(const Args& p) {
  BatchStats<T>(p);
  std::vector<T> a, b;
  ChannelScaleShift<T>(p, a, b);
  ApplyChannels(static_cast<const T*>(p.x), static_cast<T*>(p.y), p.n, p.c, p.s, a.data(), b.data(), p.relu);
}

template <class T>
void BatchNormApplyT(const Args& p) {
  std::vector<T> a, b;
  ChannelScaleShift<T>(p, a, b);
  ApplyChannels(static_cast<const T*>(p.x), static_cast<T*>(p.y), p.n, p.c, p.s, a.data(), b.data(), p.relu);
}

// dx coefficients for channel c from its gradient sums: dx = g * c1 + x * c2 + c3.
struct GradCoef {
  double c1, c2, c3;
};
inline GradCoef BatchNormCoef(const Args& p, double w, I64 c, double sg, double sgx) {
  const double cnt = static_cast<double>(p.n * p.s);
  const double r = p.rstd[c];
  GradCoef k{w * r, 0.0, 0.0};
  if (p.train) {
    // dx = w r (g - sum(g)/M - xhat sum(g xhat)/M), xhat = (x - mean) r.
    k.c2 = -w * r * r * r * sgx / cnt;
    k.c3 = -k.c1 * sg / cnt - k.c2 * p.mean[c];
  }
  return k;
}

// From a backward sweep's per-part sums: each channel's dw and db (where wanted) and its dx
// coefficients c1, c2, c3.
template <class T>
void BatchNormGradCoefs(const Args& p, const std::vector<double>& part, I64 parts, std::vector<T>& c1,
                        std::vector<T>& c2, std::vector<T>& c3) {
  const T* w = static_cast<const T*>(p.w);
  T* dw = static_cast<T*>(p.dw);
  T* db = static_cast<T*>(p.db);
  const I64 C = p.c;
  c1.resize(C);
  c2.resize(C);
  c3.resize(C);
  for (I64 c = 0; c < C; ++c) {
    double sg, sgx;
    PartTotals(part, parts, C, c, sg, sgx);
    if (dw) dw[c] = static_cast<T>(sgx * p.rstd[c]);
    if (db) db[c] = static_cast<T>(sg);
    const GradCoef k = BatchNormCoef(p, w ? static_cast<double>(w[c]) : 1.0, c, sg, sgx);
    c1[c] = static_cast<T>(k.c1);
    c2[c] = static_cast<T>(k.c2);
    c3[c] = static_cast<T>(k.c3);
  }
}

template <class T>
void BatchNormBackwardT(const Args& p) {
  const T* x = static_cast<const T*>(p.x);
  const T* g = static_cast<const T*>(p.g);
  const T* ry = static_cast<const T*>(p.relu_out);  // non-null: a fused ReLU masks g
  T* dx = static_cast<T*>(p.y);
  const I64 N = p.n, C = p.c, S = p.s;
  const I64 parts = SweepParts(N, C * S);
  std::vector<double> part(static_cast<std::size_t>(parts * 2 * C), 0.0);
  parallel_for(0, parts, 1, [&](I64 k0, I64 k1) {
    for (I64 k = k0; k < k1; ++k) {
      double* HWY_RESTRICT psg = part.data() + k * 2 * C;
      double* HWY_RESTRICT psgx = psg + C;
      const double* HWY_RESTRICT mean = p.mean;
      const I64 rb = PartBegin(N, parts, k), re = PartBegin(N, parts, k + 1);
      if (S == 1) {
        for (I64 r = rb; r < re; r += kSweepRows) {
          const I64 rows = std::min(kSweepRows, re - r);
          const T* gr = g + r * C;
          if (ry) {  // the rows' gradient through the fused ReLU
            T* gm = MaskScratch<T>(rows * C);
            MaskByRelu(gr, ry + r * C, gm, rows * C);
            gr = gm;
          }
          ColumnGradMoments(gr, C, x + r * C, C, rows, C, mean, psg, psgx);
        }
        continue;
      }
      for (I64 r = rb; r < re; ++r) {
        const T* HWY_RESTRICT xr = x + r * C * S;
        const T* gr = g + r * C * S;
        const T* HWY_RESTRICT yr = ry ? ry + r * C * S : nullptr;
        if (yr) {  // the row's gradient through the fused ReLU
          T* gm = MaskScratch<T>(C * S);
          MaskByRelu(gr, yr, gm, C * S);
          gr = gm;
        }
        for (I64 j = 0; j < C; ++j) GradMoments(gr + j * S, xr + j * S, S, mean[j], psg[j], psgx[j]);
      }
    }
  });
  std::vector<T> c1, c2, c3;
  BatchNormGradCoefs<T>(p, part, parts, c1, c2, c3);
  if (!dx) return;
  if (S == 1) {
    const bool stream = StreamOutput<T>(N * C);
    parallel_for(0, N, RowGrain(C), [&](I64 r0, I64 r1) {
      const T* HWY_RESTRICT a1 = c1.data();
      const T* HWY_RESTRICT a2 = c2.data();
      const T* HWY_RESTRICT a3 = c3.data();
      std::vector<T> row(stream ? static_cast<std::size_t>(C) : 0);
      for (I64 r = r0; r < r1; ++r) {
        const T* gr = g + r * C;
        const T* HWY_RESTRICT xr = x + r * C;
        T* HWY_RESTRICT dr = stream ? row.data() : dx + r * C;
        if (ry) {
          T* gm = MaskScratch<T>(C);
          MaskByRelu(gr, ry + r * C, gm, C);
          gr = gm;
        }
        for (I64 j = 0; j < C; ++j) dr[j] = gr[j] * a1[j] + xr[j] * a2[j] + a3[j];
        if (stream) StreamOut(dr, dx + r * C, C);
      }
      if (stream) hwy::FlushStream();
    });
  } else {
    parallel_for(0, N * C, RowGrain(S), [&](I64 i0, I64 i1) {
      for (I64 i = i0; i < i1; ++i) {
        const T* gi = g + i * S;
        if (ry) {
          T* gm = MaskScratch<T>(S);
          MaskByRelu(gi, ry + i * S, gm, S);
          gi = gm;
        }
        GradAffine(gi, x + i * S, dx + i * S, S, c1[i % C], c2[i % C], c3[i % C]);
      }
    });
  }
}

// ---- batch norm + ReLU + MaxPool2d(2) ------------------------------------------------------
// The three layers of a CNN block in two passes forward (statistics; then per plane normalize,
// clamp and pool in cache) and two backward over only what the pooled outputs need, where the
// separate ops make four and seven passes over the full-size activations. Per pooled output
// the forward keeps the window's argmax and the input value there, so the backward's sums read
// quarter-size tensors and only dx is written at full size.

struct PoolPlaneTag {};
struct PoolIndexTag {};

// out[o] = x[at[o]]: for float a vector gather at a time (a scalar loop, with the int64 -> int32
// conversion of MaxPool2d's indices, was a quarter of the fused forward).
HWY_INLINE void GatherAt(const float* HWY_RESTRICT x, const std::int32_t* HWY_RESTRICT at,
                         float* HWY_RESTRICT out, I64 n) {
  I64 o = 0;
#if HWY_TARGET != HWY_SCALAR
  const hn::ScalableTag<float> d;
  const hn::RebindToSigned<decltype(d)> di;
  const I64 N = static_cast<I64>(hn::Lanes(d));
  for (; o + N <= n; o += N) hn::StoreU(hn::GatherIndex(d, x, hn::LoadU(di, at + o)), d, out + o);
#endif
  for (; o < n; ++o) out[o] = x[at[o]];
}
HWY_INLINE void GatherAt(const double* HWY_RESTRICT x, const std::int32_t* HWY_RESTRICT at,
                         double* HWY_RESTRICT out, I64 n) {
  for (I64 o = 0; o < n; ++o) out[o] = x[at[o]];
}

// 2x2 maxima of one clamped plane t in MaxPool2d's scan order and rule (a later element wins
// when greater or NaN), with flat argmax positions.
inline void PoolPlane(const float* t, float* y, std::int32_t* idx, I64 h, I64 w, I64 oh, I64 ow) {
  max_pool_2x2_plane(t, y, idx, h, w, oh, ow);
}
inline void PoolPlane(const double* t, double* y, std::int32_t* idx, I64 /*h*/, I64 w, I64 oh, I64 ow) {
  for (I64 oy = 0; oy < oh; ++oy) {
    for (I64 ox = 0; ox < ow; ++ox) {
      I64 best = 2 * oy * w + 2 * ox;
      double m = t[best];
      for (I64 k : {best + 1, best + w, best + w + 1}) {
        if (t[k] > m || t[k] != t[k]) {
          m = t[k];
          best = k;
        }
      }
      y[oy * ow + ox] = m;
      idx[oy * ow + ox] = static_cast<std::int32_t>(best);
    }
  }
}

template <class T>
void BatchNormReluPoolForwardT(const Args& p) {
  const T* x = static_cast<const T*>(p.x);
  T* y = static_cast<T*>(p.y);
  auto* arg = static_cast<std::int32_t*>(p.pool_arg);
  T* xmax = static_cast<T*>(p.pool_xmax);
  const I64 C = p.c, H = p.pool_h, W = p.pool_w, S = H * W, OH = H / 2, OW = W / 2, OS = OH * OW;
  if (p.train) BatchStats<T>(p);
  std::vector<T> a, b;
  ChannelScaleShift<T>(p, a, b);
  parallel_for(0, p.n * C, RowGrain(S), [&](I64 i0, I64 i1) {
    T* t = thread_scratch<PoolPlaneTag, T>(static_cast<std::size_t>(S));
    std::int32_t* idx = thread_scratch<PoolIndexTag, std::int32_t>(static_cast<std::size_t>(OS));
    for (I64 i = i0; i < i1; ++i) {
      const T* xi = x + i * S;
      Affine<true>(xi, t, S, a[i % C], b[i % C]);
      // The argmax straight into the backward's tensor, and the inputs there.
      std::int32_t* ai = arg != nullptr ? arg + i * OS : idx;
      PoolPlane(t, y + i * OS, ai, H, W, OH, OW);
      if (arg != nullptr) GatherAt(xi, ai, xmax + i * OS, OS);
    }
  });
}

template <class T>
void BatchNormReluPoolBackwardT(const Args& p) {
  const T* x = static_cast<const T*>(p.x);
  const T* g = static_cast<const T*>(p.g);          // like the pooled output
  const T* py = static_cast<const T*>(p.relu_out);  // the pooled output: ReLU's mask
  const auto* arg = static_cast<const std::int32_t*>(p.pool_arg);
  const T* xmax = static_cast<const T*>(p.pool_xmax);
  T* dx = static_cast<T*>(p.y);
  const I64 N = p.n, C = p.c, S = p.pool_h * p.pool_w, OS = (p.pool_h / 2) * (p.pool_w / 2);
  // Only a window's maximum gets a gradient, and only where the clamped value is > 0.
  const I64 parts = SweepParts(N, C * OS);
  std::vector<double> part(static_cast<std::size_t>(parts * 2 * C), 0.0);
  parallel_for(0, parts, 1, [&](I64 k0, I64 k1) {
    for (I64 k = k0; k < k1; ++k) {
      double* psg = part.data() + k * 2 * C;
      double* psgx = psg + C;
      T* gm = MaskScratch<T>(OS);
      for (I64 r = PartBegin(N, parts, k); r < PartBegin(N, parts, k + 1); ++r) {
        for (I64 c = 0; c < C; ++c) {
          const I64 o = (r * C + c) * OS;
          MaskByRelu(g + o, py + o, gm, OS);
          GradMoments(gm, xmax + o, OS, p.mean[c], psg[c], psgx[c]);
        }
      }
    }
  });
  std::vector<T> c1, c2, c3;
  BatchNormGradCoefs<T>(p, part, parts, c1, c2, c3);
  if (!dx) return;
  // dx = g * c1 + x * c2 + c3 with g zero off the maxima: the affine part everywhere, then the
  // maxima's own values.
  parallel_for(0, N * C, RowGrain(S), [&](I64 i0, I64 i1) {
    T* gm = MaskScratch<T>(OS);
    for (I64 i = i0; i < i1; ++i) {
      const T k1 = c1[i % C], k2 = c2[i % C], k3 = c3[i % C];  // in registers, not reloaded per store
      const T* xi = x + i * S;
      T* di = dx + i * S;
      Affine<false>(xi, di, S, k2, k3);
      MaskByRelu(g + i * OS, py + i * OS, gm, OS);
      const std::int32_t* ai = arg + i * OS;
      for (I64 o = 0; o < OS; ++o) di[ai[o]] = gm[o] * k1 + xi[ai[o]] * k2 + k3;
    }
  });
}

// ---- layer norm ----------------------------------------------------------------------------

template <class T, bool kW, bool kB>
void LayerNormRows(const Args& p) {
  const T* x = static_cast<const T*>(p.x);
  T* y = static_cast<T*>(p.y);
  const T* HWY_RESTRICT w = static_cast<const T*>(p.w);
  const T* HWY_RESTRICT b = static_cast<const T*>(p.b);
  const I64 M = p.s;
  const bool stream = StreamOutput<T>(p.n * M);
  parallel_for(0, p.n, RowGrain(M), [&](I64 r0, I64 r1) {
    std::vector<T> row(stream ? static_cast<std::size_t>(M) : 0);
    for (I64 r = r0; r < r1; ++r) {
      const T* HWY_RESTRICT xr = x + r * M;
      T* HWY_RESTRICT yr = stream ? row.data() : y + r * M;
      double k = static_cast<double>(xr[0]), s = 0, q = 0;
      Moments(xr, M, k, s, q);
      double m1 = s / static_cast<double>(M);
      double var = std::max(q / static_cast<double>(M) - m1 * m1, 0.0);
      double mean = k + m1, rstd = 1.0 / std::sqrt(var + p.eps);
      p.mean[r] = mean;
      p.rstd[r] = rstd;
      const T a = static_cast<T>(rstd), c = static_cast<T>(-mean * rstd);
      for (I64 j = 0; j < M; ++j) {
        T v = xr[j] * a + c;
        if constexpr (kW) v = v * w[j];
        if constexpr (kB) v = v + b[j];
        yr[j] = v;
      }
      if (stream) StreamOut(yr, y + r * M, M);
    }
    if (stream) hwy::FlushStream();
  });
}

template <class T>
void LayerNormForwardT(const Args& p) {
  if (p.w && p.b) return LayerNormRows<T, true, true>(p);
  if (p.w) return LayerNormRows<T, true, false>(p);
  if (p.b) return LayerNormRows<T, false, true>(p);
  return LayerNormRows<T, false, false>(p);
}

template <class T, bool kW>
void LayerNormBackwardRows(const Args& p) {
  const T* x = static_cast<const T*>(p.x);
  const T* g = static_cast<const T*>(p.g);
  T* dx = static_cast<T*>(p.y);
  const T* HWY_RESTRICT w = static_cast<const T*>(p.w);
  const bool want_params = p.dw || p.db;
  const I64 R = p.n, M = p.s;
  const double inv_m = 1.0 / static_cast<double>(M);
  // grad_weight and grad_bias sum over rows: each part keeps its own column sums.
  const I64 parts = want_params ? SweepParts(R, M) : 1;
  std::vector<double> part(want_params ? static_cast<std::size_t>(parts * 2 * M) : 0, 0.0);
  const bool stream = dx && StreamOutput<T>(R * M);
  auto run = [&](I64 r0, I64 r1, double* HWY_RESTRICT pdw, double* HWY_RESTRICT pdb) {
    std::vector<T> row(stream ? static_cast<std::size_t>(M) : 0);
    for (I64 r = r0; r < r1; ++r) {
      const T* HWY_RESTRICT xr = x + r * M;
      const T* HWY_RESTRICT gr = g + r * M;
      const double mean = p.mean[r], rstd = p.rstd[r];
      // The column sums of kSweepRows rows at a time (see ColumnMoments), then each row's dx
      // while those rows are in L1.
      if (pdw && (r - r0) % kSweepRows == 0) {
        auto sweep = [&](auto n) {
          for (I64 j = 0; j < M; ++j) {
            double sw = pdw[j], sb = pdb[j];
            for (I64 i = 0; i < n; ++i) {
              const double gj = static_cast<double>(gr[i * M + j]);
              sw += gj * (static_cast<double>(xr[i * M + j]) - p.mean[r + i]) * p.rstd[r + i];
              sb += gj;
            }
            pdw[j] = sw;
            pdb[j] = sb;
          }
        };
        if (r1 - r >= kSweepRows) {
          sweep(std::integral_constant<I64, kSweepRows>());
        } else {
          sweep(r1 - r);
        }
      }
      if (!dx) continue;
      // dx = rstd (gw - mean(gw) - xhat mean(gw xhat)), gw = g * w.
      double a = 0, b = 0;
      if constexpr (kW) {
        WeightedGradMoments(gr, w, xr, M, mean, a, b);
      } else {
        GradMoments(gr, xr, M, mean, a, b);
      }
      const double c2 = -rstd * rstd * rstd * b * inv_m;
      const T k1 = static_cast<T>(rstd), k2 = static_cast<T>(c2),
              k3 = static_cast<T>(-rstd * a * inv_m - c2 * mean);
      T* HWY_RESTRICT dr = stream ? row.data() : dx + r * M;
      for (I64 j = 0; j < M; ++j) {
        T gw = gr[j];
        if constexpr (kW) gw = gw * w[j];
        dr[j] = gw * k1 + xr[j] * k2 + k3;
      }
      if (stream) StreamOut(dr, dx + r * M, M);
    }
    if (stream) hwy::FlushStream();
  };
  if (!want_params) {
    parallel_for(0, R, RowGrain(M), [&](I64 r0, I64 r1) { run(r0, r1, nullptr, nullptr); });
    return;
  }
  parallel_for(0, parts, 1, [&](I64 k0, I64 k1) {
    for (I64 k = k0; k < k1; ++k) {
      double* pdw = part.data() + k * 2 * M;
      run(PartBegin(R, parts, k), PartBegin(R, parts, k + 1), pdw, pdw + M);
    }
  });
  T* dw = static_cast<T*>(p.dw);
  T* db = static_cast<T*>(p.db);
  for (I64 j = 0; j < M; ++j) {
    double sw = 0, sb = 0;
    for (I64 k = 0; k < parts; ++k) {
      sw += part[k * 2 * M + j];
      sb += part[k * 2 * M + M + j];
    }
    if (dw) dw[j] = static_cast<T>(sw);
    if (db) db[j] = static_cast<T>(sb);
  }
}

template <class T>
void LayerNormBackwardT(const Args& p) {
  if (p.w) return LayerNormBackwardRows<T, true>(p);
  return LayerNormBackwardRows<T, false>(p);
}

// ---- group norm ----------------------------------------------------------------------------

template <class T>
void GroupNormForwardT(const Args& p) {
  const T* x = static_cast<const T*>(p.x);
  T* y = static_cast<T*>(p.y);
  const T* w = static_cast<const T*>(p.w);
  const T* bias = static_cast<const T*>(p.b);
  const I64 C = p.c, S = p.s, G = p.groups, cpg = C / G, M = cpg * S;
  parallel_for(0, p.n * G, RowGrain(M), [&](I64 r0, I64 r1) {
    for (I64 r = r0; r < r1; ++r) {
      const T* xr = x + r * M;
      T* yr = y + r * M;
      double k = static_cast<double>(xr[0]), s = 0, q = 0;
      Moments(xr, M, k, s, q);
      double m1 = s / static_cast<double>(M);
      double var = std::max(q / static_cast<double>(M) - m1 * m1, 0.0);
      double mean = k + m1, rstd = 1.0 / std::sqrt(var + p.eps);
      p.mean[r] = mean;
      p.rstd[r] = rstd;
      if (p.var) p.var[r] = var;
      const I64 c0 = (r % G) * cpg;
      for (I64 i = 0; i < cpg; ++i) {
        double sc = rstd * (w ? static_cast<double>(w[c0 + i]) : 1.0);
        double sh = (bias ? static_cast<double>(bias[c0 + i]) : 0.0) - mean * sc;
        Affine(xr + i * S, yr + i * S, S, static_cast<T>(sc), static_cast<T>(sh));
      }
    }
  });
}

template <class T>
void GroupNormBackwardT(const Args& p) {
  const T* x = static_cast<const T*>(p.x);
  const T* g = static_cast<const T*>(p.g);
  T* dx = static_cast<T*>(p.y);
  const T* w = static_cast<const T*>(p.w);
  const I64 N = p.n, C = p.c, S = p.s, G = p.groups, cpg = C / G, M = cpg * S;
  const double inv_m = 1.0 / static_cast<double>(M);
  // Per (sample, channel): sum(g) and sum(g (x - mean)); grad_weight/bias reduce them over N.
  std::vector<double> sums(static_cast<std::size_t>(N * C * 2));
  parallel_for(0, N * G, RowGrain(M), [&](I64 r0, I64 r1) {
    for (I64 r = r0; r < r1; ++r) {
      const T* xr = x + r * M;
      const T* gr = g + r * M;
      const double mean = p.mean[r], rstd = p.rstd[r];
      const I64 c0 = (r % G) * cpg;
      double* sg = sums.data() + r * cpg * 2;  // (n, c0 + i) -> sums[2 * (n * C + c0 + i)]
      double a = 0, b = 0;
      for (I64 i = 0; i < cpg; ++i) {
        double s0 = 0, s1 = 0;
        GradMoments(gr + i * S, xr + i * S, S, mean, s0, s1);
        sg[2 * i] = s0;
        sg[2 * i + 1] = s1;
        double wc = w ? static_cast<double>(w[c0 + i]) : 1.0;
        a += wc * s0;
        b += wc * s1;
      }
      if (!dx) continue;
      // dx = rstd (w g - mean(w g) - xhat mean(w g xhat)) over the group.
      const double c2 = -rstd * rstd * rstd * b * inv_m;
      const double c3 = -rstd * a * inv_m - c2 * mean;
      for (I64 i = 0; i < cpg; ++i) {
        double wc = w ? static_cast<double>(w[c0 + i]) : 1.0;
        GradAffine(gr + i * S, xr + i * S, dx + r * M + i * S, S, static_cast<T>(rstd * wc),
                   static_cast<T>(c2), static_cast<T>(c3));
      }
    }
  });
  T* dw = static_cast<T*>(p.dw);
  T* db = static_cast<T*>(p.db);
  if (!dw && !db) return;
  for (I64 c = 0; c < C; ++c) {
    double sw = 0, sb = 0;
    for (I64 n = 0; n < N; ++n) {
      sb += sums[2 * (n * C + c)];
      sw += sums[2 * (n * C + c) + 1] * p.rstd[n * G + c / cpg];
    }
    if (dw) dw[c] = static_cast<T>(sw);
    if (db) db[c] = static_cast<T>(sb);
  }
}

// ---- entry points (one per kernel, dtype chosen at run time) --------------------------------

#define KEEL_NORM_ENTRY(Name)                                                 \
  void Name(int dtype, const Args& p) {                                       \
    if (dtype == static_cast<int>(DType::Float64)) return Name##T<double>(p); \
    return Name##T<float>(p);                                                 \
  }
KEEL_NORM_ENTRY(BatchNormTrainForward)
KEEL_NORM_ENTRY(BatchNormApply)
KEEL_NORM_ENTRY(BatchNormBackward)
KEEL_NORM_ENTRY(BatchNormReluPoolForward)
KEEL_NORM_ENTRY(BatchNormReluPoolBackward)
KEEL_NORM_ENTRY(LayerNormForward)
KEEL_NORM_ENTRY(LayerNormBackward)
KEEL_NORM_ENTRY(GroupNormForward)
KEEL_NORM_ENTRY(GroupNormBackward)
#undef KEEL_NORM_ENTRY

}  // namespace HWY_NAMESPACE
}  // namespace keel::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include "kernels/cpu/copy.h"
#include "kernels/cpu/dispatch.h"
#include "kernels/cpu/normalization.h"

namespace keel::kernels {

KEEL_EXPORT(BatchNormTrainForward);
KEEL_EXPORT(BatchNormApply);
KEEL_EXPORT(BatchNormBackward);
KEEL_EXPORT(BatchNormReluPoolForward);
KEEL_EXPORT(BatchNormReluPoolBackward);
KEEL_EXPORT(LayerNormForward);
KEEL_EXPORT(LayerNormBackward);
KEEL_EXPORT(GroupNormForward);
KEEL_EXPORT(GroupNormBackward);

namespace {

using norm_detail::Args;

const void* ptr(const View& t) { return t.defined() ? t.data : nullptr; }
void* mut(const View& t) { return t.defined() ? t.data : nullptr; }
double* stats(const View& t) { return t.defined() ? t.data_ptr<double>() : nullptr; }
int dt(const View& x) { return static_cast<int>(x.dtype); }

}  // namespace

void batch_norm_train_forward(const View& x, std::int64_t n, std::int64_t c, std::int64_t s,
                              const View& weight, const View& bias, double eps, const View& y,
                              const View& mean, const View& invstd, const View& var, bool relu) {
  Args p;
  p.relu = relu;
  p.x = ptr(x), p.y = mut(y), p.w = ptr(weight), p.b = ptr(bias);
  p.mean = stats(mean), p.rstd = stats(invstd), p.var = stats(var);
  p.n = n, p.c = c, p.s = s, p.eps = eps;
  if (n * s == 0 || c == 0) return;
  KEEL_DISPATCH(BatchNormTrainForward)(dt(x), p);
}

void batch_norm_apply(const View& x, std::int64_t n, std::int64_t c, std::int64_t s, const View& mean,
                      const View& invstd, const View& weight, const View& bias, const View& y, bool relu) {
  Args p;
  p.relu = relu;
  p.x = ptr(x), p.y = mut(y), p.w = ptr(weight), p.b = ptr(bias);
  p.mean = stats(mean), p.rstd = stats(invstd);
  p.n = n, p.c = c, p.s = s;
  if (n * s * c == 0) return;
  KEEL_DISPATCH(BatchNormApply)(dt(x), p);
}

void batch_norm_backward(const View& grad_out, const View& x, std::int64_t n, std::int64_t c, std::int64_t s,
                         const View& mean, const View& invstd, const View& weight, bool train,
                         const View& grad_in, const View& grad_weight, const View& grad_bias,
                         const View& relu_out) {
  Args p;
  p.relu_out = ptr(relu_out);
  p.x = ptr(x), p.g = ptr(grad_out), p.y = mut(grad_in), p.w = ptr(weight);
  p.dw = mut(grad_weight), p.db = mut(grad_bias);
  p.mean = stats(mean), p.rstd = stats(invstd);
  p.n = n, p.c = c, p.s = s, p.train = train;
  if (c == 0) return;
  if (n * s == 0) {
    if (grad_weight.defined()) fill(grad_weight, 0.0);
    if (grad_bias.defined()) fill(grad_bias, 0.0);
    return;
  }
  KEEL_DISPATCH(BatchNormBackward)(dt(x), p);
}

void batch_norm_relu_pool_forward(const View& x, std::int64_t n, std::int64_t c, std::int64_t h,
                                  std::int64_t w, const View& weight, const View& bias, double eps,
                                  bool train, const View& mean, const View& invstd, const View& var,
                                  const View& y, const View& arg, const View& xmax) {
  Args p;
  p.x = ptr(x), p.y = mut(y), p.w = ptr(weight), p.b = ptr(bias);
  p.mean = stats(mean), p.rstd = stats(invstd), p.var = stats(var);
  p.pool_arg = mut(arg), p.pool_xmax = mut(xmax);
  p.n = n, p.c = c, p.s = h * w, p.pool_h = h, p.pool_w = w, p.eps = eps, p.train = train;
  if (n * h * w == 0 || c == 0) return;
  KEEL_DISPATCH(BatchNormReluPoolForward)(dt(x), p);
}

void batch_norm_relu_pool_backward(const View& grad_out, const View& x, std::int64_t n, std::int64_t c,
                                   std::int64_t h, std::int64_t w, const View& y, const View& arg,
                                   const View& xmax, const View& mean, const View& invstd, const View& weight,
                                   bool train, const View& grad_in, const View& grad_weight,
                                   const View& grad_bias) {
  Args p;
  p.x = ptr(x), p.g = ptr(grad_out), p.relu_out = ptr(y), p.y = mut(grad_in), p.w = ptr(weight);
  p.pool_arg = const_cast<void*>(ptr(arg)), p.pool_xmax = const_cast<void*>(ptr(xmax));
  p.dw = mut(grad_weight), p.db = mut(grad_bias);
  p.mean = stats(mean), p.rstd = stats(invstd);
  p.n = n, p.c = c, p.s = h * w, p.pool_h = h, p.pool_w = w, p.train = train;
  if (c == 0) return;
  if (n * h * w == 0) {
    if (grad_weight.defined()) fill(grad_weight, 0.0);
    if (grad_bias.defined()) fill(grad_bias, 0.0);
    return;
  }
  KEEL_DISPATCH(BatchNormReluPoolBackward)(dt(x), p);
}

void layer_norm_forward(const View& x, std::int64_t rows, std::int64_t m, const View& weight,
                        const View& bias, double eps, const View& y, const View& mean, const View& rstd) {
  Args p;
  p.x = ptr(x), p.y = mut(y), p.w = ptr(weight), p.b = ptr(bias);
  p.mean = stats(mean), p.rstd = stats(rstd);
  p.n = rows, p.s = m, p.eps = eps;
  if (rows * m == 0) return;
  KEEL_DISPATCH(LayerNormForward)(dt(x), p);
}

void layer_norm_backward(const View& grad_out, const View& x, std::int64_t rows, std::int64_t m,
                         const View& mean, const View& rstd, const View& weight, const View& grad_in,
                         const View& grad_weight, const View& grad_bias) {
  Args p;
  p.x = ptr(x), p.g = ptr(grad_out), p.y = mut(grad_in), p.w = ptr(weight);
  p.dw = mut(grad_weight), p.db = mut(grad_bias);
  p.mean = stats(mean), p.rstd = stats(rstd);
  p.n = rows, p.s = m;
  if (rows * m == 0) {
    if (grad_weight.defined()) fill(grad_weight, 0.0);
    if (grad_bias.defined()) fill(grad_bias, 0.0);
    return;
  }
  KEEL_DISPATCH(LayerNormBackward)(dt(x), p);
}

void group_norm_forward(const View& x, std::int64_t n, std::int64_t c, std::int64_t s, std::int64_t groups,
                        const View& weight, const View& bias, double eps, const View& y, const View& mean,
                        const View& rstd, const View& var) {
  Args p;
  p.x = ptr(x), p.y = mut(y), p.w = ptr(weight), p.b = ptr(bias);
  p.mean = stats(mean), p.rstd = stats(rstd), p.var = stats(var);
  p.n = n, p.c = c, p.s = s, p.groups = groups, p.eps = eps;
  if (n * c * s == 0) return;
  KEEL_DISPATCH(GroupNormForward)(dt(x), p);
}

void group_norm_backward(const View& grad_out, const View& x, std::int64_t n, std::int64_t c, std::int64_t s,
                         std::int64_t groups, const View& mean, const View& rstd, const View& weight,
                         const View& grad_in, const View& grad_weight, const View& grad_bias) {
  Args p;
  p.x = ptr(x), p.g = ptr(grad_out), p.y = mut(grad_in), p.w = ptr(weight);
  p.dw = mut(grad_weight), p.db = mut(grad_bias);
  p.mean = stats(mean), p.rstd = stats(rstd);
  p.n = n, p.c = c, p.s = s, p.groups = groups;
  if (n * c * s == 0) {
    if (grad_weight.defined()) fill(grad_weight, 0.0);
    if (grad_bias.defined()) fill(grad_bias, 0.0);
    return;
  }
  KEEL_DISPATCH(GroupNormBackward)(dt(x), p);
}

}  // namespace keel::kernels
#endif
