#include "keel/io/check_finite.h"

#include <cmath>
#include <cstdint>

#include "keel/core/error.h"

namespace keel::io {
namespace {

// Index of the first non-finite element of a contiguous buffer, or -1.
template <typename T>
std::int64_t first_non_finite(const T* p, std::int64_t n, double& value) {
  for (std::int64_t i = 0; i < n; ++i)
    if (!std::isfinite(p[i])) {
      value = static_cast<double>(p[i]);
      return i;
    }
  return -1;
}

}  // namespace

void check_finite(const NamedTensors& tensors, const std::string& source) {
  for (const auto& [name, t] : tensors) {
    if (!t.defined() || (t.dtype() != DType::Float32 && t.dtype() != DType::Float64)) continue;
    const Tensor c = t.contiguous();
    double value = 0;
    const std::int64_t at =
        c.dtype() == DType::Float32
            ? first_non_finite(static_cast<const float*>(c.raw_data()), c.numel(), value)
            : first_non_finite(static_cast<const double*>(c.raw_data()), c.numel(), value);
    KEEL_CHECK(at < 0, source, ": tensor '", name, "' holds a non-finite value (", value, " at element ", at,
               " of ", c.numel(), "); these weights cannot be used (a diverged run, or a damaged file)");
  }
}

}  // namespace keel::io
