// Packed float32 GEMM, compiled once per SIMD target by Highway (see binary.cpp).
// Layout (the Goto/BLIS scheme): K is cut into blocks of kKC; per block, op(A) is packed into
// panels of kMR rows (k-major, zero-padded), and op(B) is read in place when untransposed or
// packed one panel of NR = 2 vectors of columns at a time (a transposed B through register
// transposes of one vector's square: 16 x 16 on AVX-512, 8 x 8 on AVX2). The micro-kernel keeps a kMR x NR
// tile of C in registers, and per k does two vector loads of B, kMR broadcasts of A and 2 * kMR FMAs. Threads
// take blocks of rows, and groups of column panels when there are few rows. Packing buffers are per-thread
// and reused, so a call does not allocate.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/cpu/sgemm_packed.cpp"
#include "kernels/cpu/sgemm_packed.h"

#include <hwy/cache_control.h>
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "kernels/cpu/tail-inl.h"

#ifndef KEEL_SGEMM_PACKED_ONCE
#define KEEL_SGEMM_PACKED_ONCE
#include <cstdlib>
#include <memory>
#include <new>

namespace keel::kernels::sgemm_detail {
// A per-thread, 64-byte aligned scratch buffer that only grows.
inline float* scratch(int which, std::size_t floats) {
  struct Free {
    void operator()(float* p) const { std::free(p); }
  };
  struct Buf {
    std::unique_ptr<float[], Free> p;
    std::size_t cap = 0;
  };
  thread_local Buf bufs[2];
  Buf& b = bufs[which];
  if (b.cap < floats) {
    const std::size_t bytes = (floats * sizeof(float) + 63) / 64 * 64;
    b.p.reset(static_cast<float*>(std::aligned_alloc(64, bytes)));
    if (!b.p) throw std::bad_alloc();
    b.cap = floats;
  }
  return b.p.get();
}
}  // namespace keel::kernels::sgemm_detail
#endif

HWY_BEFORE_NAMESPACE();
namespace keel::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

#if HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL
constexpr std::int64_t kMR = 12;  // 24 accumulators + 2 B vectors + 1 broadcast of 32 registers
#else
constexpr std::int64_t kMR = 6;  // 12 accumulators of 16 registers
#endif

#if HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL
// out[k][c] = in[c][k] for a 16 x 16 block (rows of `in` ld apart, rows of `out` ldo apart),
// in registers. After the 32-bit and 64-bit interleaves, u[4q + m] holds in its 128-bit lane L
// the elements k = 4L + m of rows 4q .. 4q + 3; two 128-bit shuffles then gather lane L of the
// four row groups into output row 4L + m.
HWY_INLINE void Transpose16x16(const float* HWY_RESTRICT in, std::int64_t ld, std::int64_t rows,
                               float* HWY_RESTRICT out, std::int64_t ldo) {
  __m512 r[16], t[16], u[16];
  for (int i = 0; i < 16; ++i) r[i] = i < rows ? _mm512_loadu_ps(in + i * ld) : _mm512_setzero_ps();
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int q = 0; q < 4; ++q) {
    const __m512d a0 = _mm512_castps_pd(t[4 * q]), a1 = _mm512_castps_pd(t[4 * q + 1]);
    const __m512d b0 = _mm512_castps_pd(t[4 * q + 2]), b1 = _mm512_castps_pd(t[4 * q + 3]);
    u[4 * q] = _mm512_castpd_ps(_mm512_unpacklo_pd(a0, b0));
    u[4 * q + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a0, b0));
    u[4 * q + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(a1, b1));
    u[4 * q + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(a1, b1));
  }
  for (int m = 0; m < 4; ++m) {
    const __m512 v0 = _mm512_shuffle_f32x4(u[m], u[4 + m], 0x44),
                 v1 = _mm512_shuffle_f32x4(u[m], u[4 + m], 0xEE);
    const __m512 v2 = _mm512_shuffle_f32x4(u[8 + m], u[12 + m], 0x44);
    const __m512 v3 = _mm512_shuffle_f32x4(u[8 + m], u[12 + m], 0xEE);
    r[0 + m] = _mm512_shuffle_f32x4(v0, v2, 0x88);
    r[4 + m] = _mm512_shuffle_f32x4(v0, v2, 0xDD);
    r[8 + m] = _mm512_shuffle_f32x4(v1, v3, 0x88);
    r[12 + m] = _mm512_shuffle_f32x4(v1, v3, 0xDD);
  }
  // In ascending order: with ldo < 16 (packing A, ldo = kMR) each row's extra lanes are then
  // overwritten by the next row.
  for (int i = 0; i < 16; ++i) _mm512_storeu_ps(out + i * ldo, r[i]);
}
#endif

#if HWY_TARGET == HWY_AVX2
// out[k][c] = in[c][k] for an 8 x 8 block (rows of `in` ld apart, rows past `rows` read as
// zeros; rows of `out` ldo apart). After the 32-bit interleaves and the in-lane shuffles,
// u[m] holds column m in its low 128-bit lane and column m + 4 in its high one, for rows 0-3
// (u[0..3]) and rows 4-7 (u[4..7]); the cross-lane permutes pair them up. Without it the AVX2
// build packed a transposed B (every forward Linear) and an untransposed A one scalar at a
// time: 15% of mlp_step (docs/benchmarks.md, issue 14).
HWY_INLINE void Transpose8x8(const float* HWY_RESTRICT in, std::int64_t ld, std::int64_t rows,
                             float* HWY_RESTRICT out, std::int64_t ldo) {
  __m256 r[8], t[8], u[8];
  for (int i = 0; i < 8; ++i) r[i] = i < rows ? _mm256_loadu_ps(in + i * ld) : _mm256_setzero_ps();
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int h = 0; h < 8; h += 4) {
    u[h] = _mm256_shuffle_ps(t[h], t[h + 2], 0x44);
    u[h + 1] = _mm256_shuffle_ps(t[h], t[h + 2], 0xEE);
    u[h + 2] = _mm256_shuffle_ps(t[h + 1], t[h + 3], 0x44);
    u[h + 3] = _mm256_shuffle_ps(t[h + 1], t[h + 3], 0xEE);
  }
  for (int m = 0; m < 4; ++m) {
    r[m] = _mm256_permute2f128_ps(u[m], u[4 + m], 0x20);
    r[m + 4] = _mm256_permute2f128_ps(u[m], u[4 + m], 0x31);
  }
  // In ascending order: with ldo < 8 (packing A, ldo = kMR) each row's extra lanes are then
  // overwritten by the next row.
  for (int i = 0; i < 8; ++i) _mm256_storeu_ps(out + i * ldo, r[i]);
}
#endif

// Rows [i0, i0 + mc) and depth [k0, k0 + kc) of op(A) -> panels of kMR rows, k-major.
void SgemmPackA(bool trans, const float* A, std::int64_t lda, std::int64_t i0, std::int64_t mc,
                std::int64_t k0, std::int64_t kc, float* HWY_RESTRICT out) {
  for (std::int64_t p = 0; p < mc; p += kMR) {
    const std::int64_t rows = std::min(kMR, mc - p);
    float* HWY_RESTRICT dst = out + p * kc;
#if HWY_TARGET != HWY_SCALAR
    if (trans) {  // rows of op(A) are columns of A: kMR (<= one vector) neighbours per k
      // Each store writes a whole vector; the lanes past kMR land on the next k's slot (or the
      // buffer's slack) and are overwritten in order. The masked load pads rows >= `rows` with 0.
      const hn::ScalableTag<float> d;
      for (std::int64_t k = 0; k < kc; ++k)
        hn::StoreU(LoadFirst(d, A + (k0 + k) * lda + i0 + p, static_cast<std::size_t>(rows)), d,
                   dst + k * kMR);
      continue;
    }
#else
    if (trans) {
      for (std::int64_t k = 0; k < kc; ++k) {
        const float* src = A + (k0 + k) * lda + i0 + p;
        for (std::int64_t r = 0; r < kMR; ++r) dst[k * kMR + r] = r < rows ? src[r] : 0.0f;
      }
      continue;
    }
#endif
    std::int64_t k_done = 0;
#if HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL
    // 16 k at a time through the register transpose (rows >= `rows` read as zeros).
    for (; k_done + 16 <= kc; k_done += 16)
      Transpose16x16(A + (i0 + p) * lda + k0 + k_done, lda, rows, dst + k_done * kMR, kMR);
#elif HWY_TARGET == HWY_AVX2
    for (; k_done + 8 <= kc; k_done += 8)
      Transpose8x8(A + (i0 + p) * lda + k0 + k_done, lda, rows, dst + k_done * kMR, kMR);
#endif
    for (std::int64_t r = 0; r < kMR; ++r) {
      const float* src = A + (i0 + p + r) * lda + k0;
      if (r < rows) {
        for (std::int64_t k = k_done; k < kc; ++k) dst[k * kMR + r] = src[k];
      } else {
        for (std::int64_t k = k_done; k < kc; ++k) dst[k * kMR + r] = 0.0f;
      }
    }
  }
}

// A panel of a transposed B (stored N x K; `cols` of its rows, the rest of the panel zero) in
// register transposes; false where this target has no such path (the caller's scalar
// loop then packs it).
bool SgemmTransposePanel(const float* B, std::int64_t ldb, std::int64_t k0, std::int64_t kc, std::int64_t j,
                         std::int64_t cols, std::int64_t nr, float* HWY_RESTRICT dst) {
#if HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL
  if (nr != 32) return false;
  std::int64_t k = 0;
  for (; k + 16 <= kc; k += 16) {
    for (std::int64_t c0 = 0; c0 < 32; c0 += 16)
      Transpose16x16(B + (j + c0) * ldb + k0 + k, ldb, cols - c0, dst + k * nr + c0, nr);
  }
  for (std::int64_t c = 0; c < nr; ++c) {
    const float* src = B + (j + c) * ldb + k0;
    for (std::int64_t kk = k; kk < kc; ++kk) dst[kk * nr + c] = c < cols ? src[kk] : 0.0f;
  }
  return true;
#elif HWY_TARGET == HWY_AVX2
  if (nr != 16) return false;
  std::int64_t k = 0;
  for (; k + 8 <= kc; k += 8) {
    for (std::int64_t c0 = 0; c0 < 16; c0 += 8)
      Transpose8x8(B + (j + c0) * ldb + k0 + k, ldb, cols - c0, dst + k * nr + c0, nr);
  }
  for (std::int64_t c = 0; c < nr; ++c) {
    const float* src = B + (j + c) * ldb + k0;
    for (std::int64_t kk = k; kk < kc; ++kk) dst[kk * nr + c] = c < cols ? src[kk] : 0.0f;
  }
  return true;
#else
  (void)B, (void)ldb, (void)k0, (void)kc, (void)j, (void)cols, (void)nr, (void)dst;
  return false;
#endif
}

// Depth [k0, k0 + kc) and columns [j0, j1) of op(B) -> panels of nr columns, k-major.
void SgemmPackB(bool trans, const float* B, std::int64_t ldb, std::int64_t k0, std::int64_t kc,
                std::int64_t j0, std::int64_t j1, std::int64_t nr, float* HWY_RESTRICT out) {
  for (std::int64_t j = j0; j < j1; j += nr) {
    const std::int64_t cols = std::min(nr, j1 - j);
    float* HWY_RESTRICT dst = out + (j - j0) * kc;
    if (!trans) {  // rows of the panel: vector copies, an edge panel's zero padding from masked loads
      const hn::ScalableTag<float> d;
      const std::int64_t N = static_cast<std::int64_t>(hn::Lanes(d));
      for (std::int64_t k = 0; k < kc; ++k) {
        const float* src = B + (k0 + k) * ldb + j;
        for (std::int64_t c = 0; c < nr; c += N) {
          const std::int64_t n = std::max<std::int64_t>(0, std::min(N, cols - c));
          hn::Store(n == N ? hn::LoadU(d, src + c) : LoadFirst(d, src + c, static_cast<std::size_t>(n)), d,
                    dst + k * nr + c);
        }
      }
    } else if (SgemmTransposePanel(B, ldb, k0, kc, j, cols, nr, dst)) {
      continue;
    } else {
      for (std::int64_t c = 0; c < nr; ++c) {
        if (c < cols) {
          const float* src = B + (j + c) * ldb + k0;
          for (std::int64_t k = 0; k < kc; ++k) dst[k * nr + c] = src[k];
        } else {
          for (std::int64_t k = 0; k < kc; ++k) dst[k * nr + c] = 0.0f;
        }
      }
    }
  }
}

// C tile (rows x cols, at most kMR x 2 vectors) = alpha * Ap Bp + (accumulate ? C : beta * C);
// row k of the B panel is at bp + k * bs (bs = the panel width when packed, ldb when read in place).
constexpr std::int64_t kPrefetchRows = 4;

void SgemmMicroKernel(const float* HWY_RESTRICT ap, const float* HWY_RESTRICT bp, std::int64_t bs,
                      std::int64_t kc, float* C, std::int64_t ldc, std::int64_t rows, std::int64_t cols,
                      float alpha, float beta, bool accumulate) {
  const hn::ScalableTag<float> d;
  const std::int64_t N = static_cast<std::int64_t>(hn::Lanes(d));
  using V = hn::Vec<decltype(d)>;
  V acc0[kMR], acc1[kMR];
  HWY_UNROLL(16)
  for (std::int64_t r = 0; r < kMR; ++r) acc0[r] = acc1[r] = hn::Zero(d);
  for (std::int64_t k = 0; k < kc; ++k) {
    // B rows read in place are ldb apart: fetch a few rows ahead so the FMAs do not wait.
    hwy::Prefetch(bp + (k + kPrefetchRows) * bs);
    hwy::Prefetch(bp + (k + kPrefetchRows) * bs + N);
    const V b0 = hn::LoadU(d, bp + k * bs), b1 = hn::LoadU(d, bp + k * bs + N);
    const float* HWY_RESTRICT a = ap + k * kMR;
    HWY_UNROLL(16)
    for (std::int64_t r = 0; r < kMR; ++r) {
      const V av = hn::Set(d, a[r]);
      acc0[r] = hn::MulAdd(av, b0, acc0[r]);
      acc1[r] = hn::MulAdd(av, b1, acc1[r]);
    }
  }
  // Write-back straight from the accumulators (an edge tile through masked loads and stores,
  // so nothing outside the rows x cols tile of C is read or written).
  const V va = hn::Set(d, alpha), vb = hn::Set(d, beta);
  const bool full_cols = cols == 2 * N;
  const std::size_t c0 = static_cast<std::size_t>(std::min(cols, N));
  const std::size_t c1 = static_cast<std::size_t>(cols > N ? cols - N : 0);
  HWY_UNROLL(16)
  for (std::int64_t r = 0; r < kMR; ++r) {
    if (r >= rows) break;
    float* c = C + r * ldc;
    V v0 = acc0[r], v1 = acc1[r];
    if (alpha != 1.0f) {
      v0 = hn::Mul(v0, va);
      v1 = hn::Mul(v1, va);
    }
    if (full_cols) {
      if (accumulate) {
        v0 = hn::Add(v0, hn::LoadU(d, c));
        v1 = hn::Add(v1, hn::LoadU(d, c + N));
      } else if (beta != 0.0f) {
        v0 = hn::MulAdd(vb, hn::LoadU(d, c), v0);
        v1 = hn::MulAdd(vb, hn::LoadU(d, c + N), v1);
      }
      hn::StoreU(v0, d, c);
      hn::StoreU(v1, d, c + N);
    } else {
      if (accumulate) {
        v0 = hn::Add(v0, LoadFirst(d, c, c0));
        v1 = hn::Add(v1, LoadFirst(d, c + N, c1));
      } else if (beta != 0.0f) {
        v0 = hn::MulAdd(vb, LoadFirst(d, c, c0), v0);
        v1 = hn::MulAdd(vb, LoadFirst(d, c + N, c1), v1);
      }
      StoreFirst(v0, d, c, c0);
      if (c1 > 0) StoreFirst(v1, d, c + N, c1);
    }
  }
}

std::int64_t SgemmPanelWidth() { return 2 * static_cast<std::int64_t>(hn::Lanes(hn::ScalableTag<float>())); }
std::int64_t SgemmRowPanel() { return kMR; }

// Rows [i0, i1) x columns [j0, j1) of C for one depth block [k0, k0 + kc), in row blocks of at
// most `block_rows`: packs each row block of op(A) once, then for each column panel reads B in
// place (untransposed, full panel: the hardware prefetcher streams it while the FMAs run) or
// packs that panel right before its first use. With one row block the panels share one 32 KB
// buffer; with several, each panel keeps its own slot of `bpack` (kc x the task's columns), so
// B is packed once per depth block rather than once per row block (an evaluation batch of 1000
// rows re-transposed each layer's weight 7 times).
void SgemmBlockTask(bool trans_a, bool trans_b, const float* A, std::int64_t lda, const float* B,
                    std::int64_t ldb, std::int64_t i0, std::int64_t i1, std::int64_t j0, std::int64_t j1,
                    std::int64_t k0, std::int64_t kc, float alpha, float beta, bool accumulate, float* C,
                    std::int64_t ldc, float* apack, float* bpack, std::int64_t block_rows) {
  const std::int64_t nr = SgemmPanelWidth();
  const bool keep_b = i1 - i0 > block_rows;
  // B read in place streams from L2 for each row block, unless its rows are a page or more
  // apart (every k step a new page: 1024^3 ran at 71% of peak so, 85% packed once).
  const bool in_place = !trans_b && !(keep_b && ldb >= 1024);
  for (std::int64_t ib = i0; ib < i1; ib += block_rows) {
    const std::int64_t ie = std::min(i1, ib + block_rows);
    SgemmPackA(trans_a, A, lda, ib, ie - ib, k0, kc, apack);
    for (std::int64_t j = j0; j < j1; j += nr) {
      const std::int64_t cols = std::min(nr, j1 - j);
      const float* bp = nullptr;
      std::int64_t bs = nr;
      if (in_place && cols == nr) {
        bp = B + k0 * ldb + j;
        bs = ldb;
      } else {
        float* slot = keep_b ? bpack + (j - j0) * kc : bpack;
        if (ib == i0 || !keep_b) SgemmPackB(trans_b, B, ldb, k0, kc, j, j + cols, nr, slot);
        bp = slot;
      }
      for (std::int64_t i = ib; i < ie; i += kMR) {
        SgemmMicroKernel(apack + (i - ib) * kc, bp, bs, kc, C + i * ldc + j, ldc, std::min(kMR, ie - i), cols,
                         alpha, beta, accumulate);
      }
    }
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace keel::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include "kernels/cpu/dispatch.h"
#include "kernels/cpu/parallel.h"

namespace keel::kernels {
KEEL_EXPORT(SgemmBlockTask);
KEEL_EXPORT(SgemmPanelWidth);
KEEL_EXPORT(SgemmRowPanel);

void sgemm_packed(bool trans_a, bool trans_b, std::int64_t M, std::int64_t N, std::int64_t K, float alpha,
                  const float* A, std::int64_t lda, const float* B, std::int64_t ldb, float beta, float* C,
                  std::int64_t ldc) {
  constexpr std::int64_t kKC = 256, kMaxRows = 144;
  const std::int64_t nr = KEEL_DISPATCH(SgemmPanelWidth)();
  const std::int64_t mr = KEEL_DISPATCH(SgemmRowPanel)();
  const std::int64_t panels = (N + nr - 1) / nr;
  // Products under ~256K multiply-adds stay on the calling thread.
  const std::int64_t threads =
      (M * N * K < (std::int64_t{1} << 18) || omp_in_parallel()) ? 1 : omp_get_max_threads();
  // Row blocks of at most kMaxRows rows (a multiple of mr), so a block of packed A stays in L2.
  std::int64_t row_blocks = (M + kMaxRows - 1) / kMaxRows;
  const std::int64_t block_rows = ((M + row_blocks - 1) / row_blocks + mr - 1) / mr * mr;
  row_blocks = (M + block_rows - 1) / block_rows;
  // Tasks: with at least a row block per thread, one contiguous share of the rows per thread
  // (balanced to a row panel, where 7 blocks of 144 rows over 2 threads ran 4 against 3), each
  // packing B once per depth block for all its row blocks when that packed B fits in 1 MB;
  // with fewer (a batch of 128), one row block split into groups of column panels: 25 panels
  // share out evenly, 11 row panels do not, and each task's copy of the packed A block is small.
  const std::int64_t kc_max = std::min(kKC, K);
  const bool share_b = N * kc_max * static_cast<std::int64_t>(sizeof(float)) <= (std::int64_t{1} << 20);
  std::int64_t rows_per = block_rows, row_tasks = row_blocks, groups = 1;
  if (row_blocks >= threads && share_b) {
    rows_per = ((M + threads - 1) / threads + mr - 1) / mr * mr;
    row_tasks = (M + rows_per - 1) / rows_per;
  } else {
    const std::int64_t want_groups = std::max<std::int64_t>(1, (threads + row_blocks - 1) / row_blocks);
    const std::int64_t panels_per =
        (panels + std::min(panels, want_groups) - 1) / std::min(panels, want_groups);
    groups = (panels + panels_per - 1) / panels_per;
  }
  const std::int64_t panels_per = (panels + groups - 1) / groups;
  const std::int64_t tasks = row_tasks * groups;
  const std::int64_t task_block_rows = std::min(block_rows, rows_per);
  const bool keep_b = rows_per > task_block_rows;
  auto* task = &KEEL_DISPATCH(SgemmBlockTask);
  // One fork for the whole product, the depth blocks inside it: a task owns its tile of C for
  // every depth block, so its thread accumulates them in order with no join between blocks (a
  // fork per block cost mlp_step's 784-deep GEMMs four joins each, each waiting for the slower
  // thread). Each element of C sums its depth blocks in the same order whatever the tasks.
  if (K <= 0) return;  // no depth block: nothing to run (the callers handle an empty product)
  parallel_for(0, tasks, threads > 1 ? 1 : tasks, [&](std::int64_t t0, std::int64_t t1) {
    // (+ one vector of slack for the transposed-A packing's whole-vector stores)
    float* apack = sgemm_detail::scratch(0, static_cast<std::size_t>(task_block_rows * kc_max + 64));
    float* bpack =
        sgemm_detail::scratch(1, static_cast<std::size_t>(nr * kc_max * (keep_b ? panels_per : 1)));
    for (std::int64_t k0 = 0; k0 < K; k0 += kKC) {
      const std::int64_t kc = std::min(kKC, K - k0);
      for (std::int64_t t = t0; t < t1; ++t) {
        const std::int64_t rb = t / groups, g = t % groups;
        const std::int64_t i0 = rb * rows_per, i1 = std::min(M, i0 + rows_per);
        const std::int64_t j0 = g * panels_per * nr, j1 = std::min(N, (g + 1) * panels_per * nr);
        if (i0 < i1 && j0 < j1)
          task(trans_a, trans_b, A, lda, B, ldb, i0, i1, j0, j1, k0, kc, alpha, beta, k0 > 0, C, ldc, apack,
               bpack, task_block_rows);
      }
    }
  });
}

}  // namespace keel::kernels
#endif
