#pragma once
// Reduction kernels. Every reduction is expressed on a contiguous input viewed as (A, B, C):
// out[a, c] = reduce over b of x[a, b, c]. C == 1 is the row layout (reducing the innermost
// dim), A == 1 the column layout (reducing outer dims); the ops permute anything else into
// one of these.
#include <cstdint>

#include "keel/core/view.h"

namespace keel::kernels {

enum class ReduceOp : int {
  Sum,           // sum x
  SumAbs,        // sum |x|
  SumSq,         // sum x^2
  SumPow,        // sum |x|^p
  CountNonzero,  // sum (x != 0)
  SumSqDev,      // sum (x - center[a, c])^2
  Max,           // NaN propagates
  Min,
  MaxAbs,
  MinAbs,
};

enum class ReduceRoot : int { None, Sqrt, Pow };  // applied after dividing by `divisor`

struct ReduceParams {
  double p = 0.0;        // SumPow's exponent; Pow root takes 1/p
  double divisor = 1.0;  // sum-like results are divided by it (mean, var)
  ReduceRoot root = ReduceRoot::None;
  const double* center = nullptr;  // SumSqDev: one value per output (A*C)
};

// out (contiguous, A*C elements, any numeric dtype) = op over B of x (contiguous, A*B*C,
// float32, float64 or int64). float32 sums accumulate in double across blocks.
void reduce(ReduceOp op, const View& out, const View& x, std::int64_t A, std::int64_t B, std::int64_t C,
            const ReduceParams& params = {});

// values (x's dtype) and indices (int64) of the max (or min) over B: NaN counts as the
// extreme, ties take the first index, as in PyTorch. B must be > 0.
void arg_reduce(bool is_max, const View& values, const View& indices, const View& x, std::int64_t A,
                std::int64_t B, std::int64_t C);

}  // namespace keel::kernels
