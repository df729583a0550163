#pragma once
// Random numbers. keel's generator is counter-based: value k of the stream is
// SplitMix64's output function applied to (seed + (k + 1) * 0x9E3779B97F4A7C15). Each op
// reserves a block of counters [first, first + count) from its generator (under a
// process-wide lock, so threads may share a generator) and element i of the result, in
// row-major logical order, is computed from counters first + ... alone. Results are thus
// the same for any number of threads and a seeded run is reproducible bit for bit. The
// streams differ from PyTorch's.
//
// How each distribution maps counters to values (x_k = the k-th 64-bit value, first = the
// first reserved counter, i = the element's row-major index):
//   U24(x) = (x >> 40) * 2^-24 and U53(x) = (x >> 11) * 2^-53: exact values in [0, 1).
//   rand, uniform_(from, to): count = numel; u = U24(x_{first+i}) for float32 and
//     U53(x_{first+i}) for float64; value = from + (to - from) * u, computed in double and
//     rounded to the dtype (rand: exactly u).
//   randn, normal_(mean, std): count = numel rounded up to even; element i uses the pair
//     c = first + 2 * (i / 2): u1 = 1 - U53(x_c) in (0, 1], u2 = U53(x_{c+1}),
//     r = sqrt(-2 ln u1), theta = 2 pi u2; even i gets r cos(theta), odd i gets
//     r sin(theta) (Box-Muller, in double); value = mean + std * z rounded to the dtype.
//     So randn(7) equals the first 7 elements of randn(8) with the same seed.
//   randint(low, high): count = numel; value = low + floor(x_{first+i} * (high - low) / 2^64)
//     (the high half of a 128-bit product; bias below (high - low) / 2^64).
//   randperm(n): count = n; Fisher-Yates from the front: p = [0, 1, ..., n-1], then for
//     i = 0 .. n-2, j = i + floor(x_{first+i} * (n - i) / 2^64) and swap p[i], p[j].
//   bernoulli: count = numel; value = 1 if U53(x_{first+i}) < p_i else 0 (p = 1 always
//     gives 1, p = 0 never does).
// uniform_ and normal_ on a strided tensor fill it in logical order, exactly as they would
// fill a contiguous tensor of the same shape.
#include <cstdint>

#include "keel/tensor/tensor.h"

namespace keel {

class Generator {
 public:
  explicit Generator(std::uint64_t seed = 67280421310721ULL) { manual_seed(seed); }
  void manual_seed(std::uint64_t seed) {
    seed_ = seed;
    offset_ = 0;
  }
  std::uint64_t seed() const { return seed_; }
  std::uint64_t offset() const { return offset_; }
  void set_offset(std::uint64_t offset) { offset_ = offset; }
  // Reserves n counters and returns the first.
  std::uint64_t reserve(std::uint64_t n) {
    std::uint64_t first = offset_;
    offset_ += n;
    return first;
  }
  // The k-th 64-bit value of this generator's stream.
  std::uint64_t at(std::uint64_t k) const {
    std::uint64_t z = seed_ + (k + 1) * 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }

 private:
  std::uint64_t seed_ = 0;
  std::uint64_t offset_ = 0;
};

// The process-wide default generator, and manual_seed for it (torch.manual_seed).
Generator& default_generator();
void manual_seed(std::uint64_t seed);

Tensor rand(const Dims& shape, DType dtype = kFloat32, Generator* gen = nullptr);   // U[0, 1)
Tensor randn(const Dims& shape, DType dtype = kFloat32, Generator* gen = nullptr);  // N(0, 1)
// Integers uniform in [low, high), int64 by default.
Tensor randint(std::int64_t low, std::int64_t high, const Dims& shape, DType dtype = kInt64,
               Generator* gen = nullptr);
Tensor randperm(std::int64_t n, DType dtype = kInt64, Generator* gen = nullptr);
// Each element is 1 with probability p (or with the probability in `probs`), else 0.
Tensor bernoulli(const Tensor& probs, Generator* gen = nullptr);
Tensor bernoulli(const Dims& shape, double p, DType dtype = kFloat32, Generator* gen = nullptr);
// The same draws as bernoulli(shape, p), with `value` in place of 1 (dropout's mask of
// 1 / (1 - p) in one pass); float32 or float64.
Tensor bernoulli_scaled(const Dims& shape, double p, double value, DType dtype = kFloat32,
                        Generator* gen = nullptr);
Tensor rand_like(const Tensor& t, Generator* gen = nullptr);
Tensor randn_like(const Tensor& t, Generator* gen = nullptr);

// In-place fills, used by nn::init. Like PyTorch, they refuse a leaf that requires grad
// unless grad mode is off (NoGradGuard, as nn::init runs them), and record no history then.
Tensor& uniform_(Tensor& t, double from = 0.0, double to = 1.0, Generator* gen = nullptr);
Tensor& normal_(Tensor& t, double mean = 0.0, double std = 1.0, Generator* gen = nullptr);

}  // namespace keel
