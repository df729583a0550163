// What the machine can do, measured in the same run: float32 FMA peak and copy bandwidth.
#include "side_by_side/machine.h"

#include <immintrin.h>
#include <omp.h>

#include <vector>

#include "side_by_side/harness.h"

namespace bench {
namespace {

// 12 independent chains of 16-lane FMAs hide the FMA latency; 2 flops per lane.
__attribute__((target("avx512f"))) float fma_chains(long iters) {
  __m512 acc[12];
  for (int i = 0; i < 12; ++i) acc[i] = _mm512_set1_ps(static_cast<float>(i));
  const __m512 a = _mm512_set1_ps(0.999f), b = _mm512_set1_ps(0.001f);
  for (long it = 0; it < iters; ++it)
    for (int i = 0; i < 12; ++i) acc[i] = _mm512_fmadd_ps(acc[i], a, b);
  __m512 s = acc[0];
  for (int i = 1; i < 12; ++i) s = _mm512_add_ps(s, acc[i]);
  alignas(64) float out[16];
  _mm512_store_ps(out, s);
  return out[0];
}

}  // namespace

double fma_peak_gflops(int threads) {
  const long iters = 1 << 20;
  volatile float sink = 0;
  double t = time_one([&] {
#pragma omp parallel num_threads(threads)
    {
      float r = fma_chains(iters);
      if (r == 12345.f) sink = r;
    }
  });
  return threads * static_cast<double>(iters) * 12 * 16 * 2 / t / 1e9;
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
