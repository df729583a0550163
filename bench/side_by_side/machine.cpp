// What the machine can do, measured in the same run: float32 FMA peak and copy bandwidth.
#include "side_by_side/machine.h"

#include <immintrin.h>
#include <omp.h>

#include <chrono>
#include <vector>

#include "side_by_side/harness.h"

namespace bench {
namespace {

// 12 independent chains of FMAs hide the FMA latency (4-5 cycles at 2 FMAs per cycle);
// 2 flops per lane. One version per instruction set: the harness is built for any x86-64
// and the AVX-512 one would fault (SIGILL) on an AVX2-only CPU such as AMD Zen 3.
constexpr int kChains = 12;

__attribute__((target("avx512f"))) float fma_chains_avx512(long iters) {
  __m512 acc[kChains];
  for (int i = 0; i < kChains; ++i) acc[i] = _mm512_set1_ps(static_cast<float>(i));
  const __m512 a = _mm512_set1_ps(0.999f), b = _mm512_set1_ps(0.001f);
  for (long it = 0; it < iters; ++it) {
    // Unrolled, so that the chains live in registers (a loop over the array keeps them in memory).
#pragma GCC unroll 12
    for (int i = 0; i < kChains; ++i) acc[i] = _mm512_fmadd_ps(acc[i], a, b);
  }
  __m512 s = acc[0];
  for (int i = 1; i < kChains; ++i) s = _mm512_add_ps(s, acc[i]);
  alignas(64) float out[16];
  _mm512_store_ps(out, s);
  return out[0];
}

__attribute__((target("avx2,fma"))) float fma_chains_avx2(long iters) {
  __m256 acc[kChains];
  for (int i = 0; i < kChains; ++i) acc[i] = _mm256_set1_ps(static_cast<float>(i));
  const __m256 a = _mm256_set1_ps(0.999f), b = _mm256_set1_ps(0.001f);
  for (long it = 0; it < iters; ++it) {
    // Unrolled, so that the chains live in registers (a loop over the array keeps them in memory).
#pragma GCC unroll 12
    for (int i = 0; i < kChains; ++i) acc[i] = _mm256_fmadd_ps(acc[i], a, b);
  }
  __m256 s = acc[0];
  for (int i = 1; i < kChains; ++i) s = _mm256_add_ps(s, acc[i]);
  alignas(32) float out[8];
  _mm256_store_ps(out, s);
  return out[0];
}

bool has_avx512() { return __builtin_cpu_supports("avx512f"); }

float fma_chains(bool avx512, long iters) {
  return avx512 ? fma_chains_avx512(iters) : fma_chains_avx2(iters);
}

}  // namespace

FmaPeak fma_peak(int threads) {
  const bool avx512 = has_avx512();
  const int lanes = avx512 ? 16 : 8;
  const long iters = 1 << 20;
  volatile float sink = 0;
  auto run = [&] {
#pragma omp parallel num_threads(threads)
    {
      float r = fma_chains(avx512, iters);
      if (r == 12345.f) sink = r;
    }
  };
  // Cores ramp their clock under load: ~0.5 s of the same work first, else the first rounds
  // read low (on the Zen 3 machine by up to a third).
  const auto t0 = std::chrono::steady_clock::now();
  while (std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() < 0.5) run();
  const double t = time_one(run);
  return {threads * static_cast<double>(iters) * kChains * lanes * 2 / t / 1e9,
          avx512 ? "AVX-512" : "AVX2+FMA"};
}

double copy_bandwidth_gbs(int threads, long n) {
  std::vector<float> src(n, 1.0f), dst(n, 0.0f);
  float* d = dst.data();
  const float* s = src.data();
  double t = time_one([&] {
#pragma omp parallel for num_threads(threads) schedule(static)
    for (long i = 0; i < n; ++i) d[i] = s[i];
  });
  return 2.0 * n * sizeof(float) / t / 1e9;  // bytes read + bytes written
}

}  // namespace bench
