#pragma once
namespace bench {
// GFLOPS of float32 AVX-512 FMAs on `threads` threads.
double fma_peak_gflops(int threads);
// GB/s (read + write) of a plain parallel copy of n floats.
double copy_bandwidth_gbs(int threads, long n);
}  // namespace bench
