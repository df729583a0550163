#pragma once
// Softmax and log-softmax over the rows of a contiguous (rows, n) matrix, and their fused
// backward passes.
#include <cstdint>

#include "keel/core/view.h"

namespace keel::kernels {

// y = softmax(x) (or log_softmax) along each row; x and y contiguous, float32 or float64.
void softmax_rows(const View& y, const View& x, std::int64_t rows, std::int64_t n, bool log);

// gx = y * (g - sum(g * y))           for softmax (y its output),
// gx = g - exp(y) * sum(g)            for log_softmax; all contiguous, one dtype.
void softmax_backward_rows(const View& gx, const View& g, const View& y, std::int64_t rows, std::int64_t n,
                           bool log);

}  // namespace keel::kernels
