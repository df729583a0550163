// Range factories: arange, linspace, eye.
//
// arange and linspace reproduce PyTorch 1.13's CPU kernels bit for bit (x86-64, AVX2 build).
// Those kernels are not a plain formula: a contiguous output is filled two SIMD vectors at a
// time (8 floats or 4 doubles/int64 per vector), each vector from a base value plus j * step,
// and the tail that does not fill two vectors goes through a scalar path; the compiler turns
// the scalar `a + b * c` into a fused multiply-add. Each element's value is therefore a pure
// function of its index, which is what lets us fill in parallel and still match.
// (PyTorch splits outputs above 32768 elements between threads and restarts that pattern at
// each thread's chunk; we always use the single-chunk pattern, so very long ranges can differ
// from a multi-threaded PyTorch in the last bit of a few elements.)
#include <cmath>
#include <limits>

#include "keel/tensor/dispatch.h"
#include "keel/tensor/factories.h"
#include "kernels/cpu/parallel.h"

namespace keel {

namespace {

bool integral(double v) { return std::isfinite(v) && std::floor(v) == v; }

// PyTorch fills `2 * lanes` elements per vector-loop iteration; elements before `vec_end`
// come from a vector, the rest from the scalar path.
std::int64_t vector_end(std::int64_t n, std::int64_t lanes) { return n / (2 * lanes) * (2 * lanes); }

template <class T>
constexpr std::int64_t lanes_of() {
  return std::is_same_v<T, float> ? 8 : 4;  // AVX2: 256-bit vectors
}

template <class T, class F>
void fill_indexed(const Tensor& out, const F& value_at) {
  T* p = out.data_ptr<T>();
  kernels::parallel_for(0, out.numel(), kernels::kGrain, [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t i = b; i < e; ++i) p[i] = value_at(i);
  });
}

template <class T>
void fill_arange(const Tensor& out, double start, double step) {
  const std::int64_t n = out.numel();
  if constexpr (std::is_same_v<T, std::int64_t>) {
    const auto s = static_cast<std::int64_t>(start), st = static_cast<std::int64_t>(step);
    fill_indexed<T>(out, [=](std::int64_t i) { return s + st * i; });
  } else {
    // Accumulates in double (PyTorch's CPU accumulate type for float and double).
    constexpr std::int64_t V = lanes_of<T>();
    const std::int64_t vend = vector_end(n, V);
    fill_indexed<T>(out, [=](std::int64_t i) -> T {
      if (i >= vend) return static_cast<T>(std::fma(step, static_cast<double>(i), start));
      std::int64_t j = i % V;
      auto base = static_cast<T>(std::fma(step, static_cast<double>(i - j), start));
      return static_cast<T>(std::fma(static_cast<double>(j), step, static_cast<double>(base)));
    });
  }
}

template <class T>
void fill_linspace(const Tensor& out, double start_d, double end_d) {
  const std::int64_t n = out.numel(), half = n / 2;
  constexpr std::int64_t V = lanes_of<T>();
  const std::int64_t vend = vector_end(n, V);
  if constexpr (std::is_same_v<T, std::int64_t>) {
    // Integral outputs step in double and truncate.
    const auto s = static_cast<std::int64_t>(start_d), e = static_cast<std::int64_t>(end_d);
    const double step = (static_cast<double>(e) - static_cast<double>(s)) / static_cast<double>(n - 1);
    auto scalar = [=](std::int64_t i) -> double {
      return i < half ? std::fma(step, static_cast<double>(i), static_cast<double>(s))
                      : std::fma(-step, static_cast<double>(n - i - 1), static_cast<double>(e));
    };
    fill_indexed<T>(out, [=](std::int64_t i) -> T {
      if (i >= vend) return static_cast<T>(scalar(i));
      std::int64_t j = i % V;
      auto base = static_cast<T>(scalar(i - j));
      return static_cast<T>(static_cast<double>(base) + static_cast<double>(j) * step);
    });
  } else {
    // Everything in T: the step, both ends, and the per-lane offsets (not fused).
    const auto s = static_cast<T>(start_d), e = static_cast<T>(end_d);
    const T step = (e - s) / static_cast<T>(n - 1);
    auto scalar = [=](std::int64_t i) -> T {
      return i < half ? std::fma(step, static_cast<T>(i), s) : std::fma(-step, static_cast<T>(n - i - 1), e);
    };
    fill_indexed<T>(out, [=](std::int64_t i) -> T {
      if (i >= vend) return scalar(i);
      std::int64_t j = i % V;
      T offset = static_cast<T>(j) * step;  // rounded on its own, as in the vector code
      return scalar(i - j) + offset;
    });
  }
}

}  // namespace

Tensor arange(double end) { return arange(0.0, end, 1.0); }

Tensor arange(double start, double end, double step) {
  DType dtype = integral(start) && integral(end) && integral(step) ? kInt64 : kFloat32;
  return arange(start, end, step, dtype);
}

Tensor arange(double start, double end, double step, DType dtype) {
  KEEL_CHECK(dtype != kBool, "arange: not implemented for dtype bool");
  if (dtype == kInt64) {
    // PyTorch converts every argument to the output type first.
    start = std::trunc(start);
    end = std::trunc(end);
    step = std::trunc(step);
  }
  KEEL_CHECK(step != 0, "arange: step must be nonzero (start=", start, ", end=", end, ")");
  KEEL_CHECK(std::isfinite(start) && std::isfinite(end), "arange: unsupported range: ", start, " -> ", end);
  KEEL_CHECK((step > 0 && end >= start) || (step < 0 && end <= start),
             "arange: upper bound and larger bound inconsistent with step sign (start=", start, ", end=", end,
             ", step=", step, ")");
  double size_d = std::ceil((end - start) / step);
  KEEL_CHECK(size_d >= 0 && size_d <= static_cast<double>(std::numeric_limits<std::int64_t>::max()),
             "arange: invalid size ", size_d, ", possible overflow?");
  Tensor out = empty({static_cast<std::int64_t>(size_d)}, dtype);
  KEEL_DISPATCH_NUMERIC(dtype, "arange", [&] { fill_arange<scalar_t>(out, start, step); });
  return out;
}

Tensor linspace(double start, double end, std::int64_t steps, DType dtype) {
  KEEL_CHECK(steps >= 0, "linspace: number of steps must be non-negative, got ", steps);
  KEEL_CHECK(dtype != kBool, "linspace: not implemented for dtype bool");
  Tensor out = empty({steps}, dtype);
  if (steps == 1) {
    out.fill_(start);
  } else if (steps > 1) {
    KEEL_DISPATCH_NUMERIC(dtype, "linspace", [&] { fill_linspace<scalar_t>(out, start, end); });
  }
  return out;
}

Tensor eye(std::int64_t n, std::int64_t m, DType dtype) {
  if (m == -1) m = n;
  KEEL_CHECK(n >= 0, "eye: n must be greater or equal to 0, got ", n);
  KEEL_CHECK(m >= 0, "eye: m must be greater or equal to 0, got ", m);
  Tensor out = zeros({n, m}, dtype);
  const std::int64_t k = std::min(n, m);
  KEEL_DISPATCH_ALL(dtype, "eye", [&] {
    scalar_t* p = out.data_ptr<scalar_t>();
    for (std::int64_t i = 0; i < k; ++i) p[i * m + i] = static_cast<scalar_t>(1);
  });
  return out;
}

}  // namespace keel
