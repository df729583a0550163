#pragma once
// Row-major GEMM: C = alpha * op(A) @ op(B) + beta * C, where op(A) is M x K and op(B) is K x N.
// A is stored M x K (K x M when trans_a) with row stride lda; likewise B and ldb; C is M x N
// with row stride ldc. When beta is 0, C is write-only (NaNs already in C do not leak), and
// K == 0 just scales C. float runs on keel's packed kernel or oneDNN's sgemm (by shape);
// double and int64 on keel's own loop nest.
#include <cstdint>

namespace keel::kernels {

void gemm(bool trans_a, bool trans_b, std::int64_t M, std::int64_t N, std::int64_t K, float alpha,
          const float* A, std::int64_t lda, const float* B, std::int64_t ldb, float beta, float* C,
          std::int64_t ldc);
void gemm(bool trans_a, bool trans_b, std::int64_t M, std::int64_t N, std::int64_t K, double alpha,
          const double* A, std::int64_t lda, const double* B, std::int64_t ldb, double beta, double* C,
          std::int64_t ldc);
void gemm(bool trans_a, bool trans_b, std::int64_t M, std::int64_t N, std::int64_t K, std::int64_t alpha,
          const std::int64_t* A, std::int64_t lda, const std::int64_t* B, std::int64_t ldb, std::int64_t beta,
          std::int64_t* C, std::int64_t ldc);

}  // namespace keel::kernels
