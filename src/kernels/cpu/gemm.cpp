// GEMM. float: products up to the size of an MLP layer on an evaluation batch go to keel's packed kernel
// (sgemm_packed.cpp: no JIT, so the first step of a training run is as fast as the others),
// large ones to oneDNN's sgemm (near the FMA peak, on OpenMP's pool; it JITs its kernels,
// ~35 ms, on first use). float64 and int64 have no oneDNN routine, so a cache-blocked loop
// nest is compiled here per SIMD target by Highway; its innermost loop (c[j] += a * b[j]) is a
// plain loop the compiler vectorizes.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/cpu/gemm.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include <algorithm>
#include <cstdint>

HWY_BEFORE_NAMESPACE();
namespace keel::kernels {
namespace HWY_NAMESPACE {

template <class T>
inline T ElemA(bool trans_a, const T* A, std::int64_t lda, std::int64_t i, std::int64_t k) {
  return trans_a ? A[k * lda + i] : A[i * lda + k];
}

// Rows [i0, i1) of C = alpha * op(A) @ B + beta * C, with B already K x N row-major (row
// stride ldb). Blocking: a kNc-wide slab of C rows stays in L1 while a kKc x kNc block of B
// (256 KiB for double) stays in L2 across all rows of the chunk.
template <class T>
void GemmRowsT(bool trans_a, std::int64_t i0, std::int64_t i1, std::int64_t N, std::int64_t K, T alpha,
               const T* A, std::int64_t lda, const T* B, std::int64_t ldb, T beta, T* C, std::int64_t ldc) {
  constexpr std::int64_t kKc = 128, kNc = 256;
  for (std::int64_t i = i0; i < i1; ++i) {
    T* HWY_RESTRICT c = C + i * ldc;
    if (beta == T(0)) {
      for (std::int64_t j = 0; j < N; ++j) c[j] = T(0);
    } else if (beta != T(1)) {
      for (std::int64_t j = 0; j < N; ++j) c[j] *= beta;
    }
  }
  for (std::int64_t jb = 0; jb < N; jb += kNc) {
    const std::int64_t je = std::min(N, jb + kNc);
    for (std::int64_t kb = 0; kb < K; kb += kKc) {
      const std::int64_t ke = std::min(K, kb + kKc);
      std::int64_t i = i0;
      // Four rows at a time: each load of b[j] feeds four multiply-adds.
      for (; i + 4 <= i1; i += 4) {
        T* HWY_RESTRICT c0 = C + i * ldc;
        T* HWY_RESTRICT c1 = c0 + ldc;
        T* HWY_RESTRICT c2 = c1 + ldc;
        T* HWY_RESTRICT c3 = c2 + ldc;
        for (std::int64_t k = kb; k < ke; ++k) {
          const T a0 = alpha * ElemA(trans_a, A, lda, i, k), a1 = alpha * ElemA(trans_a, A, lda, i + 1, k);
          const T a2 = alpha * ElemA(trans_a, A, lda, i + 2, k),
                  a3 = alpha * ElemA(trans_a, A, lda, i + 3, k);
          const T* HWY_RESTRICT b = B + k * ldb;
          for (std::int64_t j = jb; j < je; ++j) {
            const T bv = b[j];
            c0[j] += a0 * bv;
            c1[j] += a1 * bv;
            c2[j] += a2 * bv;
            c3[j] += a3 * bv;
          }
        }
      }
      for (; i < i1; ++i) {
        T* HWY_RESTRICT c = C + i * ldc;
        for (std::int64_t k = kb; k < ke; ++k) {
          const T a = alpha * ElemA(trans_a, A, lda, i, k);
          const T* HWY_RESTRICT b = B + k * ldb;
          for (std::int64_t j = jb; j < je; ++j) c[j] += a * b[j];
        }
      }
    }
  }
}

void GemmRowsF64(bool trans_a, std::int64_t i0, std::int64_t i1, std::int64_t N, std::int64_t K, double alpha,
                 const double* A, std::int64_t lda, const double* B, std::int64_t ldb, double beta, double* C,
                 std::int64_t ldc) {
  GemmRowsT<double>(trans_a, i0, i1, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

void GemmRowsF32(bool trans_a, std::int64_t i0, std::int64_t i1, std::int64_t N, std::int64_t K, float alpha,
                 const float* A, std::int64_t lda, const float* B, std::int64_t ldb, float beta, float* C,
                 std::int64_t ldc) {
  GemmRowsT<float>(trans_a, i0, i1, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

void GemmRowsI64(bool trans_a, std::int64_t i0, std::int64_t i1, std::int64_t N, std::int64_t K,
                 std::int64_t alpha, const std::int64_t* A, std::int64_t lda, const std::int64_t* B,
                 std::int64_t ldb, std::int64_t beta, std::int64_t* C, std::int64_t ldc) {
  GemmRowsT<std::int64_t>(trans_a, i0, i1, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

}  // namespace HWY_NAMESPACE
}  // namespace keel::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include <dnnl.h>

#include <vector>

#include "keel/core/error.h"
#include "kernels/cpu/dispatch.h"
#include "kernels/cpu/gemm.h"
#include "kernels/cpu/parallel.h"
#include "kernels/cpu/sgemm_packed.h"

namespace keel::kernels {
KEEL_EXPORT(GemmRowsF32);
KEEL_EXPORT(GemmRowsF64);
KEEL_EXPORT(GemmRowsI64);

namespace {

constexpr std::int64_t kTinyGemm = 512;  // measured crossover: 8^3 is a tie, 16^3 favors oneDNN

// keel's packed kernel takes products up to 2^26 multiply-adds (an MLP layer on a batch:
// 128 x 784 x 512 is 2^25.6), and up to 2^29 when B is at most 1024 columns wide (the same
// layer on an evaluation batch of 1000, 2^28.6: packed once per depth block for all the row
// blocks, it is level with oneDNN at 1 thread and faster at 2, and it spares the process
// oneDNN's ~40-80 ms of JIT on first use). Above that oneDNN's kernels are 7-10% faster
// (1024^3). With a depth under 32 the packed kernel's per-tile write-back dominates, so
// shallow products go to oneDNN too unless they are small (under 2^20: the last layer's
// backward, 128 x 256 x 10). The rule depends only on the shape, so a run's results do not
// depend on timing or order.
bool use_packed_sgemm(std::int64_t M, std::int64_t N, std::int64_t K) {
  const std::int64_t macs = M * N * K;
  const bool fits = macs <= (std::int64_t{1} << 26) || (macs <= (std::int64_t{1} << 29) && N <= 1024);
  return fits && (K >= 32 || macs <= (std::int64_t{1} << 20));
}

// Handles the degenerate shapes every backend would otherwise have to: an empty C, and
// K == 0 (C = beta * C). Returns true when nothing is left to do.
template <class T>
bool gemm_trivial(std::int64_t M, std::int64_t N, std::int64_t K, T beta, T* C, std::int64_t ldc) {
  if (M == 0 || N == 0) return true;
  if (K != 0) return false;
  for (std::int64_t i = 0; i < M; ++i)
    for (std::int64_t j = 0; j < N; ++j) C[i * ldc + j] = beta == T(0) ? T(0) : C[i * ldc + j] * beta;
  return true;
}

template <class T, class RowsFn>
void gemm_generic(RowsFn* rows, bool trans_a, bool trans_b, std::int64_t M, std::int64_t N, std::int64_t K,
                  T alpha, const T* A, std::int64_t lda, const T* B, std::int64_t ldb, T beta, T* C,
                  std::int64_t ldc) {
  if (gemm_trivial(M, N, K, beta, C, ldc)) return;
  // The kernel streams rows of B; a transposed B is packed once so those rows are contiguous.
  std::vector<T> packed;
  if (trans_b) {
    packed.resize(static_cast<std::size_t>(K * N));
    for (std::int64_t n = 0; n < N; ++n)
      for (std::int64_t k = 0; k < K; ++k) packed[k * N + n] = B[n * ldb + k];
    B = packed.data();
    ldb = N;
  }
  // About 64K multiply-adds per chunk before another thread is worth waking.
  const std::int64_t grain = std::max<std::int64_t>(1, 65536 / std::max<std::int64_t>(1, N * K));
  parallel_for(0, M, grain, [&](std::int64_t i0, std::int64_t i1) {
    rows(trans_a, i0, i1, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
  });
}

}  // namespace

void gemm(bool trans_a, bool trans_b, std::int64_t M, std::int64_t N, std::int64_t K, float alpha,
          const float* A, std::int64_t lda, const float* B, std::int64_t ldb, float beta, float* C,
          std::int64_t ldc) {
  if (gemm_trivial(M, N, K, beta, C, ldc)) return;
  // oneDNN spends ~1 us per call on setup; tiny products (batches of small matrices) are
  // faster in the plain loop nest.
  if (M * N * K <= kTinyGemm) {
    gemm_generic<float>(&KEEL_DISPATCH(GemmRowsF32), trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta,
                        C, ldc);
    return;
  }
  if (use_packed_sgemm(M, N, K)) {
    sgemm_packed(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    return;
  }
  dnnl_status_t st =
      dnnl_sgemm(trans_a ? 'T' : 'N', trans_b ? 'T' : 'N', M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
  KEEL_CHECK(st == dnnl_success, "gemm: oneDNN sgemm failed with status ", static_cast<int>(st), " (M=", M,
             ", N=", N, ", K=", K, ", lda=", lda, ", ldb=", ldb, ", ldc=", ldc, ")");
}

void gemm(bool trans_a, bool trans_b, std::int64_t M, std::int64_t N, std::int64_t K, double alpha,
          const double* A, std::int64_t lda, const double* B, std::int64_t ldb, double beta, double* C,
          std::int64_t ldc) {
  gemm_generic<double>(&KEEL_DISPATCH(GemmRowsF64), trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C,
                       ldc);
}

void gemm(bool trans_a, bool trans_b, std::int64_t M, std::int64_t N, std::int64_t K, std::int64_t alpha,
          const std::int64_t* A, std::int64_t lda, const std::int64_t* B, std::int64_t ldb, std::int64_t beta,
          std::int64_t* C, std::int64_t ldc) {
  gemm_generic<std::int64_t>(&KEEL_DISPATCH(GemmRowsI64), trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb,
                             beta, C, ldc);
}

}  // namespace keel::kernels
#endif
