// Packed float32 GEMM, compiled once per SIMD target by Highway (see binary.cpp).
// Layout (the classic Goto/BLIS scheme): K is cut into blocks of kKC; for each block, op(B)
// is packed into panels of NR = 2 vectors of columns (k-major, zero-padded) and op(A) into
// panels of kMR rows (k-major, zero-padded). The micro-kernel keeps a kMR x NR tile of C in
// registers, and per k does two vector loads of B, kMR broadcasts of A and 2 * kMR FMAs.
// Threads split the rows of C (and its column panels when there are few rows); each packs
// its own A block. Packing buffers are per-thread and reused, so a call does not allocate.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/cpu/sgemm_packed.cpp"
#include "kernels/cpu/sgemm_packed.h"

#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

#ifndef KEEL_SGEMM_PACKED_ONCE
#define KEEL_SGEMM_PACKED_ONCE
#include <hwy/aligned_allocator.h>

namespace keel::kernels::sgemm_detail {
// A per-thread, 64-byte aligned scratch buffer that only grows.
inline float* scratch(int which, std::size_t floats) {
  struct Buf {
    hwy::AlignedFreeUniquePtr<float[]> p;
    std::size_t cap = 0;
  };
  thread_local Buf bufs[2];
  Buf& b = bufs[which];
  if (b.cap < floats) {
    b.p = hwy::AllocateAligned<float>(floats);
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

inline float PackedElemA(bool trans, const float* A, std::int64_t ld, std::int64_t i, std::int64_t k) {
  return trans ? A[k * ld + i] : A[i * ld + k];
}

// Rows [i0, i0 + mc) and depth [k0, k0 + kc) of op(A) -> panels of kMR rows, k-major.
void SgemmPackA(bool trans, const float* A, std::int64_t lda, std::int64_t i0, std::int64_t mc,
                std::int64_t k0, std::int64_t kc, float* HWY_RESTRICT out) {
  for (std::int64_t p = 0; p < mc; p += kMR) {
    const std::int64_t rows = std::min(kMR, mc - p);
    float* HWY_RESTRICT dst = out + p * kc;
    for (std::int64_t r = 0; r < kMR; ++r) {
      if (r < rows) {
        for (std::int64_t k = 0; k < kc; ++k)
          dst[k * kMR + r] = PackedElemA(trans, A, lda, i0 + p + r, k0 + k);
      } else {
        for (std::int64_t k = 0; k < kc; ++k) dst[k * kMR + r] = 0.0f;
      }
    }
  }
}

// Depth [k0, k0 + kc) and columns [j0, j1) of op(B) -> panels of nr columns, k-major.
void SgemmPackB(bool trans, const float* B, std::int64_t ldb, std::int64_t k0, std::int64_t kc,
                std::int64_t j0, std::int64_t j1, std::int64_t nr, float* HWY_RESTRICT out) {
  for (std::int64_t j = j0; j < j1; j += nr) {
    const std::int64_t cols = std::min(nr, j1 - j);
    float* HWY_RESTRICT dst = out + (j - j0) * kc;
    if (!trans) {
      for (std::int64_t k = 0; k < kc; ++k) {
        const float* src = B + (k0 + k) * ldb + j;
        for (std::int64_t c = 0; c < cols; ++c) dst[k * nr + c] = src[c];
        for (std::int64_t c = cols; c < nr; ++c) dst[k * nr + c] = 0.0f;
      }
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

// C tile (rows x cols, at most kMR x 2 vectors) = alpha * Ap Bp + (accumulate ? C : beta * C).
void SgemmMicroKernel(const float* HWY_RESTRICT ap, const float* HWY_RESTRICT bp, std::int64_t kc, float* C,
                      std::int64_t ldc, std::int64_t rows, std::int64_t cols, float alpha, float beta,
                      bool accumulate) {
  const hn::ScalableTag<float> d;
  const std::int64_t N = static_cast<std::int64_t>(hn::Lanes(d));
  using V = hn::Vec<decltype(d)>;
  V acc0[kMR], acc1[kMR];
  HWY_UNROLL(16)
  for (std::int64_t r = 0; r < kMR; ++r) acc0[r] = acc1[r] = hn::Zero(d);
  for (std::int64_t k = 0; k < kc; ++k) {
    const V b0 = hn::Load(d, bp + k * 2 * N), b1 = hn::Load(d, bp + k * 2 * N + N);
    const float* HWY_RESTRICT a = ap + k * kMR;
    HWY_UNROLL(16)
    for (std::int64_t r = 0; r < kMR; ++r) {
      const V av = hn::Set(d, a[r]);
      acc0[r] = hn::MulAdd(av, b0, acc0[r]);
      acc1[r] = hn::MulAdd(av, b1, acc1[r]);
    }
  }
  const V va = hn::Set(d, alpha), vb = hn::Set(d, beta);
  if (rows == kMR && cols == 2 * N) {
    HWY_UNROLL(16)
    for (std::int64_t r = 0; r < kMR; ++r) {
      float* c = C + r * ldc;
      V v0 = hn::Mul(acc0[r], va), v1 = hn::Mul(acc1[r], va);
      if (accumulate) {
        v0 = hn::Add(v0, hn::LoadU(d, c));
        v1 = hn::Add(v1, hn::LoadU(d, c + N));
      } else if (beta != 0.0f) {
        v0 = hn::MulAdd(vb, hn::LoadU(d, c), v0);
        v1 = hn::MulAdd(vb, hn::LoadU(d, c + N), v1);
      }
      hn::StoreU(v0, d, c);
      hn::StoreU(v1, d, c + N);
    }
    return;
  }
  // An edge tile: through a buffer, then only the valid part of C is read and written.
  HWY_ALIGN float tile[kMR * 2 * HWY_MAX_BYTES / sizeof(float)];
  for (std::int64_t r = 0; r < kMR; ++r) {
    hn::Store(hn::Mul(acc0[r], va), d, tile + r * 2 * N);
    hn::Store(hn::Mul(acc1[r], va), d, tile + r * 2 * N + N);
  }
  for (std::int64_t r = 0; r < rows; ++r) {
    float* c = C + r * ldc;
    const float* t = tile + r * 2 * N;
    for (std::int64_t j = 0; j < cols; ++j) {
      c[j] = accumulate ? c[j] + t[j] : (beta != 0.0f ? beta * c[j] + t[j] : t[j]);
    }
  }
}

std::int64_t SgemmPanelWidth() { return 2 * static_cast<std::int64_t>(hn::Lanes(hn::ScalableTag<float>())); }
std::int64_t SgemmRowPanel() { return kMR; }

// Rows [i0, i1) x column panels [j0, j1) of C for one depth block [k0, k0 + kc), with op(B)'s
// panels of this block already packed at bpack (full width of N).
void SgemmBlockTask(bool trans_a, const float* A, std::int64_t lda, std::int64_t i0, std::int64_t i1,
                    std::int64_t j0, std::int64_t j1, std::int64_t N, std::int64_t k0, std::int64_t kc,
                    const float* bpack, float alpha, float beta, bool accumulate, float* C, std::int64_t ldc,
                    float* apack) {
  const std::int64_t nr = SgemmPanelWidth();
  SgemmPackA(trans_a, A, lda, i0, i1 - i0, k0, kc, apack);
  for (std::int64_t j = j0; j < j1; j += nr) {
    const std::int64_t cols = std::min(nr, N - j);
    const float* bp = bpack + j * kc;
    for (std::int64_t i = i0; i < i1; i += kMR) {
      SgemmMicroKernel(apack + (i - i0) * kc, bp, kc, C + i * ldc + j, ldc, std::min(kMR, i1 - i), cols,
                       alpha, beta, accumulate);
    }
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace keel::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include "kernels/cpu/parallel.h"

namespace keel::kernels {
HWY_EXPORT(SgemmPackB);
HWY_EXPORT(SgemmBlockTask);
HWY_EXPORT(SgemmPanelWidth);
HWY_EXPORT(SgemmRowPanel);

void sgemm_packed(bool trans_a, bool trans_b, std::int64_t M, std::int64_t N, std::int64_t K, float alpha,
                  const float* A, std::int64_t lda, const float* B, std::int64_t ldb, float beta, float* C,
                  std::int64_t ldc) {
  constexpr std::int64_t kKC = 256, kMaxRows = 144;
  const std::int64_t nr = HWY_DYNAMIC_DISPATCH(SgemmPanelWidth)();
  const std::int64_t mr = HWY_DYNAMIC_DISPATCH(SgemmRowPanel)();
  const std::int64_t panels = (N + nr - 1) / nr;
  // Work split: row blocks of at most kMaxRows (a multiple of mr), and when there are fewer
  // row blocks than threads, groups of column panels too. Products under ~256K multiply-adds
  // stay on the calling thread.
  const int threads = (M * N * K < (std::int64_t{1} << 18) || omp_in_parallel()) ? 1 : omp_get_max_threads();
  std::int64_t row_blocks = std::max<std::int64_t>((M + kMaxRows - 1) / kMaxRows,
                                                   std::min<std::int64_t>(threads, (M + mr - 1) / mr));
  std::int64_t rows_per = ((M + row_blocks - 1) / row_blocks + mr - 1) / mr * mr;
  row_blocks = (M + rows_per - 1) / rows_per;
  const std::int64_t col_groups =
      std::min<std::int64_t>(panels, std::max<std::int64_t>(1, (threads + row_blocks - 1) / row_blocks));
  const std::int64_t panels_per = (panels + col_groups - 1) / col_groups;
  const std::int64_t tasks = row_blocks * ((panels + panels_per - 1) / panels_per);
  const std::int64_t groups = tasks / row_blocks;
  auto* pack_b = &HWY_DYNAMIC_DISPATCH(SgemmPackB);
  auto* task = &HWY_DYNAMIC_DISPATCH(SgemmBlockTask);
  for (std::int64_t k0 = 0; k0 < K; k0 += kKC) {
    const std::int64_t kc = std::min(kKC, K - k0);
    float* bpack = sgemm_detail::scratch(0, static_cast<std::size_t>(panels * nr * kc));
    parallel_for(0, panels, threads > 1 ? 1 : panels, [&](std::int64_t p0, std::int64_t p1) {
      pack_b(trans_b, B, ldb, k0, kc, p0 * nr, std::min(N, p1 * nr), nr, bpack + p0 * nr * kc);
    });
    parallel_for(0, tasks, threads > 1 ? 1 : tasks, [&](std::int64_t t0, std::int64_t t1) {
      float* apack = sgemm_detail::scratch(1, static_cast<std::size_t>(rows_per * kc));
      for (std::int64_t t = t0; t < t1; ++t) {
        const std::int64_t rb = t / groups, g = t % groups;
        const std::int64_t i0 = rb * rows_per, i1 = std::min(M, i0 + rows_per);
        const std::int64_t j0 = g * panels_per * nr, j1 = std::min(N, (g + 1) * panels_per * nr);
        if (i0 < i1 && j0 < j1)
          task(trans_a, A, lda, i0, i1, j0, j1, N, k0, kc, bpack, alpha, beta, k0 > 0, C, ldc, apack);
      }
    });
  }
}

}  // namespace keel::kernels
#endif
