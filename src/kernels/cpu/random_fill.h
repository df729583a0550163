#pragma once
// Vectorized fills from keel's counter-based generator (see keel/tensor/random.h): element i
// gets the mixed 64-bit value of counter first + i. The loops are compiled per SIMD target,
// where AVX-512's 64-bit multiply runs eight counters at once.
#include <cstdint>

namespace keel::kernels {

// out[i] = value if unit_double(bits(first + i)) < p else 0 (T = float or double).
void fill_bernoulli(std::uint64_t seed, std::uint64_t first, float* out, std::int64_t n, double p,
                    float value);
void fill_bernoulli(std::uint64_t seed, std::uint64_t first, double* out, std::int64_t n, double p,
                    double value);
// out[i] = from + width * unit(bits(first + i)), unit = top 24 (float) or 53 (double) bits.
void fill_uniform(std::uint64_t seed, std::uint64_t first, float* out, std::int64_t n, double from,
                  double width);
void fill_uniform(std::uint64_t seed, std::uint64_t first, double* out, std::int64_t n, double from,
                  double width);

}  // namespace keel::kernels
