#pragma once
// The fused cross-entropy loss over class-index targets: the negative log-likelihood of
// log-softmax rows, and the backward pass of both in one sweep, (softmax - onehot) * scale.
#include <cstdint>

#include "keel/core/view.h"

namespace keel::kernels {

// Sum over rows of -logp[r, target[r]] for rows whose target is not ignore_index; `count`
// gets the number of such rows. logp is contiguous (rows, n), float32 or float64.
double nll_sum_rows(const View& logp, const std::int64_t* target, std::int64_t rows, std::int64_t n,
                    std::int64_t ignore_index, std::int64_t* count);

// gx[r] = (exp(logp[r]) - onehot(target[r])) * scale for rows with a target, zeros for rows
// whose target is ignore_index. gx and logp contiguous (rows, n), one dtype.
void cross_entropy_backward_rows(const View& gx, const View& logp, const std::int64_t* target,
                                 std::int64_t rows, std::int64_t n, std::int64_t ignore_index, double scale);

}  // namespace keel::kernels
