// Random tensors from keel's counter-based generator (see keel/tensor/random.h for how each
// distribution maps counters to values). Every element's value depends only on the seed and
// its counter, so filling in parallel gives the same tensor for any number of threads.
#include "keel/tensor/random.h"

#include <cmath>
#include <mutex>
#include <numbers>
#include <vector>

#include "keel/autograd/node.h"
#include "keel/tensor/dispatch.h"
#include "keel/tensor/factories.h"
#include "kernels/cpu/copy.h"
#include "kernels/cpu/parallel.h"
#include "kernels/cpu/random_fill.h"

namespace keel {

namespace {

// One lock for every generator's counter: reservations are a few instructions, so sharing
// it costs nothing measurable, and a user generator shared between threads stays safe too.
std::mutex& counter_mutex() {
  static std::mutex m;
  return m;
}

// Reserves n counters of `gen` (the default generator when null) and returns a copy of the
// generator to draw them from, with `first` set to the first reserved counter.
Generator reserve(Generator* gen, std::uint64_t n, std::uint64_t& first) {
  Generator& g = gen ? *gen : default_generator();
  std::lock_guard<std::mutex> lock(counter_mutex());
  first = g.reserve(n);
  return g;
}

// Uniform [0, 1) from the top 24 (float) or 53 (double) bits: every value is exactly
// representable, so the result never rounds up to 1.
inline float unit_float(std::uint64_t x) { return static_cast<float>(x >> 40) * 0x1.0p-24f; }
inline double unit_double(std::uint64_t x) { return static_cast<double>(x >> 11) * 0x1.0p-53; }
template <class T>
inline T unit(std::uint64_t x) {
  if constexpr (std::is_same_v<T, float>) {
    return unit_float(x);
  } else {
    return static_cast<T>(unit_double(x));
  }
}

// An unbiased-enough integer in [0, range): the high 64 bits of x * range (Lemire's method
// without the rejection step; the bias is below range / 2^64).
__extension__ typedef unsigned __int128 u128;
inline std::uint64_t below(std::uint64_t x, std::uint64_t range) {
  return static_cast<std::uint64_t>((static_cast<u128>(x) * range) >> 64);
}

// Calls write(dst, i) for i in [0, n) in parallel chunks; dst is out's contiguous data.
template <class T, class F>
void generate(const Tensor& out, std::int64_t grain, const F& write) {
  T* dst = out.data_ptr<T>();
  kernels::parallel_for(0, out.numel(), grain, [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t i = b; i < e; ++i) write(dst, i);
  });
}

// Runs fill(dense) where dense is t itself when t is densely packed, else a temporary that
// is then copied into t (so values follow t's logical element order, not its memory order).
template <class F>
void fill_dense(const Tensor& t, const F& fill) {
  bool dense = t.is_contiguous();
  for (std::int64_t s : t.strides()) dense = dense && s != 0;
  if (dense || t.numel() <= 1) {
    fill(t);
  } else {
    Tensor tmp = empty(t.sizes(), t.dtype());
    fill(tmp);
    kernels::copy(t, tmp);
  }
}

void fill_uniform(const Tensor& out, double from, double to, Generator* gen) {
  std::uint64_t first = 0;
  Generator g = reserve(gen, static_cast<std::uint64_t>(out.numel()), first);
  KEEL_DISPATCH_FLOATING(out.dtype(), "uniform_", [&] {
    kernels::fill_uniform(g.seed(), first, out.data_ptr<scalar_t>(), out.numel(), from, to - from);
  });
}

void fill_normal(const Tensor& out, double mean, double std, Generator* gen) {
  const std::int64_t n = out.numel(), pairs = (n + 1) / 2;
  std::uint64_t first = 0;
  Generator g = reserve(gen, static_cast<std::uint64_t>(2 * pairs), first);
  KEEL_DISPATCH_FLOATING(out.dtype(), "normal_", [&] {
    scalar_t* d = out.data_ptr<scalar_t>();
    // Box-Muller: a pair of counters gives two independent normals.
    kernels::parallel_for(0, pairs, kernels::kGrain / 8, [&](std::int64_t b, std::int64_t e) {
      for (std::int64_t p = b; p < e; ++p) {
        std::uint64_t c = first + 2 * static_cast<std::uint64_t>(p);
        double u1 = 1.0 - unit_double(g.at(c));  // (0, 1]: log stays finite
        double u2 = unit_double(g.at(c + 1));
        double r = std::sqrt(-2.0 * std::log(u1));
        double theta = 2.0 * std::numbers::pi * u2;
        d[2 * p] = static_cast<scalar_t>(mean + std * (r * std::cos(theta)));
        if (2 * p + 1 < n) d[2 * p + 1] = static_cast<scalar_t>(mean + std * (r * std::sin(theta)));
      }
    });
  });
}

// Shared tail of the in-place fills: autograd checks, the write, version and history.
template <class F>
Tensor& fill_inplace(Tensor& t, const char* op, const char* backward_name, const F& fill) {
  KEEL_CHECK(t.is_floating_point(), op, ": expected a floating-point tensor, got ", dtype_name(t.dtype()));
  autograd::check_inplace(t, op);
  fill_dense(t, fill);
  t.storage()->bump_version();
  if (autograd::GradMode::is_enabled() && t.requires_grad()) {
    // The new values do not depend on the old ones: the gradient to the old value is zero.
    autograd::record_inplace(backward_name, t, {},
                             [](const Tensor&) -> autograd::Tensors { return {Tensor()}; });
  }
  return t;
}

}  // namespace

Generator& default_generator() {
  static Generator g;
  return g;
}

void manual_seed(std::uint64_t seed) {
  std::lock_guard<std::mutex> lock(counter_mutex());
  default_generator().manual_seed(seed);
}

Tensor rand(const Dims& shape, DType dtype, Generator* gen) {
  KEEL_CHECK(is_floating_point(dtype), "rand: expected a floating-point dtype, got ", dtype_name(dtype));
  Tensor out = empty(shape, dtype);
  fill_uniform(out, 0.0, 1.0, gen);
  return out;
}

Tensor randn(const Dims& shape, DType dtype, Generator* gen) {
  KEEL_CHECK(is_floating_point(dtype), "randn: expected a floating-point dtype, got ", dtype_name(dtype));
  Tensor out = empty(shape, dtype);
  fill_normal(out, 0.0, 1.0, gen);
  return out;
}

Tensor randint(std::int64_t low, std::int64_t high, const Dims& shape, DType dtype, Generator* gen) {
  KEEL_CHECK(low < high, "randint: expects 'low' to be less than 'high', but got low=", low,
             " >= high=", high);
  Tensor out = empty(shape, dtype);
  std::uint64_t first = 0;
  Generator g = reserve(gen, static_cast<std::uint64_t>(out.numel()), first);
  const auto range = static_cast<std::uint64_t>(high) - static_cast<std::uint64_t>(low);
  KEEL_DISPATCH_NUMERIC(dtype, "randint", [&] {
    generate<scalar_t>(out, kernels::kGrain, [&](scalar_t* d, std::int64_t i) {
      auto v = static_cast<std::int64_t>(static_cast<std::uint64_t>(low) + below(g.at(first + i), range));
      d[i] = static_cast<scalar_t>(v);
    });
  });
  return out;
}

Tensor randperm(std::int64_t n, DType dtype, Generator* gen) {
  KEEL_CHECK(n >= 0, "randperm: n must be non-negative, got ", n);
  KEEL_CHECK(dtype != kBool, "randperm: not implemented for dtype bool");
  KEEL_CHECK(dtype != kFloat32 || n <= (std::int64_t{1} << 24),
             "randperm: n must not exceed 2^24 for float32 (got ", n, ")");
  std::uint64_t first = 0;
  Generator g = reserve(gen, static_cast<std::uint64_t>(n), first);
  // Fisher-Yates, front to back: step i swaps position i with one drawn from [i, n).
  std::vector<std::int64_t> perm(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) perm[i] = i;
  for (std::int64_t i = 0; i + 1 < n; ++i) {
    auto j = i + static_cast<std::int64_t>(below(g.at(first + i), static_cast<std::uint64_t>(n - i)));
    std::swap(perm[i], perm[j]);
  }
  return from_vector(perm).to(dtype);
}

Tensor bernoulli(const Tensor& probs, Generator* gen) {
  KEEL_CHECK(probs.is_floating_point(), "bernoulli: expected a floating-point tensor of probabilities, got ",
             dtype_name(probs.dtype()));
  Tensor p = probs.detach().contiguous();
  Tensor out = empty(p.sizes(), p.dtype());
  KEEL_DISPATCH_FLOATING(p.dtype(), "bernoulli", [&] {
    const scalar_t* pp = p.data_ptr<scalar_t>();
    for (std::int64_t i = 0; i < p.numel(); ++i)
      KEEL_CHECK(pp[i] >= 0 && pp[i] <= 1,
                 "bernoulli: expects all probabilities in [0, 1], but found p=", pp[i], " at flat index ", i,
                 " (shape ", p.sizes(), ")");
    std::uint64_t first = 0;
    Generator g = reserve(gen, static_cast<std::uint64_t>(p.numel()), first);
    generate<scalar_t>(out, kernels::kGrain, [&](scalar_t* d, std::int64_t i) {
      d[i] = unit_double(g.at(first + i)) < static_cast<double>(pp[i]) ? scalar_t(1) : scalar_t(0);
    });
  });
  return out;
}

Tensor bernoulli(const Dims& shape, double p, DType dtype, Generator* gen) {
  KEEL_CHECK(p >= 0 && p <= 1, "bernoulli: expects p to be in [0, 1], but got p=", p);
  Tensor out = empty(shape, dtype);
  std::uint64_t first = 0;
  Generator g = reserve(gen, static_cast<std::uint64_t>(out.numel()), first);
  if (dtype == kFloat32) {
    kernels::fill_bernoulli(g.seed(), first, out.data_ptr<float>(), out.numel(), p, 1.0f);
  } else if (dtype == kFloat64) {
    kernels::fill_bernoulli(g.seed(), first, out.data_ptr<double>(), out.numel(), p, 1.0);
  } else {
    KEEL_DISPATCH_ALL(dtype, "bernoulli", [&] {
      generate<scalar_t>(out, kernels::kGrain, [&](scalar_t* d, std::int64_t i) {
        d[i] = static_cast<scalar_t>(unit_double(g.at(first + i)) < p ? 1 : 0);
      });
    });
  }
  return out;
}

Tensor bernoulli_scaled(const Dims& shape, double p, double value, DType dtype, Generator* gen) {
  KEEL_CHECK(p >= 0 && p <= 1, "bernoulli: expects p to be in [0, 1], but got p=", p);
  KEEL_CHECK(dtype == kFloat32 || dtype == kFloat64, "bernoulli_scaled: expected float32 or float64, got ",
             dtype_name(dtype));
  Tensor out = empty(shape, dtype);
  std::uint64_t first = 0;
  Generator g = reserve(gen, static_cast<std::uint64_t>(out.numel()), first);
  if (dtype == kFloat32) {
    kernels::fill_bernoulli(g.seed(), first, out.data_ptr<float>(), out.numel(), p,
                            static_cast<float>(value));
  } else {
    kernels::fill_bernoulli(g.seed(), first, out.data_ptr<double>(), out.numel(), p, value);
  }
  return out;
}

Tensor rand_like(const Tensor& t, Generator* gen) { return rand(t.sizes(), t.dtype(), gen); }
Tensor randn_like(const Tensor& t, Generator* gen) { return randn(t.sizes(), t.dtype(), gen); }

Tensor& uniform_(Tensor& t, double from, double to, Generator* gen) {
  KEEL_CHECK(from <= to, "uniform_: expects to return a [from, to) range, but found from=", from,
             " > to=", to);
  return fill_inplace(t, "uniform_", "UniformBackward0",
                      [&](const Tensor& dense) { fill_uniform(dense, from, to, gen); });
}

Tensor& normal_(Tensor& t, double mean, double std, Generator* gen) {
  KEEL_CHECK(std >= 0, "normal_: expects std >= 0.0, but found std ", std);
  return fill_inplace(t, "normal_", "NormalBackward0",
                      [&](const Tensor& dense) { fill_normal(dense, mean, std, gen); });
}

}  // namespace keel
