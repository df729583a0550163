#pragma once
// keel's own float32 GEMM (same contract as kernels::gemm): packed panels of op(A) and op(B)
// and a register-blocked Highway micro-kernel (12 rows x 2 vectors of accumulators with
// AVX-512). It needs no JIT, so a process's first matmul costs what every later one does;
// oneDNN's sgemm, which generates its kernels on first use (~35 ms), takes the large products.
#include <cstdint>

namespace keel::kernels {

void sgemm_packed(bool trans_a, bool trans_b, std::int64_t M, std::int64_t N, std::int64_t K, float alpha,
                  const float* A, std::int64_t lda, const float* B, std::int64_t ldb, float beta, float* C,
                  std::int64_t ldc);

}  // namespace keel::kernels
