#pragma once
namespace bench {
// The float32 FMA peak measured on `threads` threads, with the instruction set the probe used:
// AVX-512 where the CPU has it, else AVX2 + FMA (chosen at run time).
struct FmaPeak {
  double gflops;
  const char* isa;  // "AVX-512" or "AVX2+FMA"
};
FmaPeak fma_peak(int threads);
// GB/s (read + write) of a plain parallel copy of n floats.
double copy_bandwidth_gbs(int threads, long n);
}  // namespace bench
