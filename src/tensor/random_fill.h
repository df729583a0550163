#pragma once
// The draws behind uniform_ and normal_ (src/ops/random.cpp), which add the in-place checks,
// the version bump and the autograd record. Library-internal.
#include "keel/tensor/random.h"

namespace keel::detail {

// Writes U[from, to) or N(mean, std) draws into t in its logical element order, through a
// temporary when t is not densely packed (keel/tensor/random.h describes the counters used).
void uniform_fill(const Tensor& t, double from, double to, Generator* gen);
void normal_fill(const Tensor& t, double mean, double std, Generator* gen);

}  // namespace keel::detail
