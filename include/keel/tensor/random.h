#pragma once
// Random numbers. keel's generator is counter-based: value k of the stream is
// SplitMix64's output function applied to (seed + k * 0x9E3779B97F4A7C15). Each op draws a
// block of counters, so results are the same for any number of threads and a seeded run
// is reproducible bit for bit. Uniform floats use the top 24 (float) or 53 (double) bits;
// normals use Box-Muller on pairs of uniforms. The streams differ from PyTorch's.
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
Tensor rand_like(const Tensor& t, Generator* gen = nullptr);
Tensor randn_like(const Tensor& t, Generator* gen = nullptr);

// In-place fills, used by nn::init.
Tensor& uniform_(Tensor& t, double from = 0.0, double to = 1.0, Generator* gen = nullptr);
Tensor& normal_(Tensor& t, double mean = 0.0, double std = 1.0, Generator* gen = nullptr);

}  // namespace keel
