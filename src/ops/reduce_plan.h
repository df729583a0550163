#pragma once
// Shared bookkeeping of the reduction ops: which dims a call reduces, the result shapes, and
// a contiguous source viewed as (A, B, C) for kernels::reduce (see kernels/cpu/reduce.h).
#include <cstdint>

#include "keel/tensor/tensor.h"

namespace keel::detail {

struct ReducePlan {
  Tensor src;  // contiguous, detached; reduce over B of (A, B, C)
  std::int64_t A = 1, B = 1, C = 1;
  Dims dims;                   // the reduced dims, wrapped and ascending
  Dims out_shape, keep_shape;  // without the reduced dims / with them as 1
  std::uint32_t mask = 0;      // bit d set when dim d is reduced

  const Dims& shape(bool keepdim) const { return keepdim ? keep_shape : out_shape; }
};

// dims = {} reduces every dim. Throws keel::Error naming `op` for a bad or repeated dim.
ReducePlan plan_reduce(const Tensor& x, const Dims& dims, const char* op);

// A reduction over the single dim `dim` (already wrapped), keeping x's memory order.
ReducePlan plan_reduce_dim(const Tensor& x, int dim);

}  // namespace keel::detail
