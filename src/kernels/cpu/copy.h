#pragma once
#include "keel/core/view.h"

namespace keel::kernels {
// dst[...] = src[...] with src broadcast to dst's shape and converted to dst's dtype.
void copy(const View& dst, const View& src);
// Every element of dst set to value (converted to dst's dtype).
void fill(const View& dst, double value);
}  // namespace keel::kernels
