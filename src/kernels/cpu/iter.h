#pragma once
// ElementIter: the bookkeeping for elementwise kernels, kept apart from the loops.
// It broadcasts up to kMaxOperands operands (operand 0 is the output) to one shape,
// coalesces dimensions that are contiguous in every operand, and hands the kernel
// innermost runs: `loop(char** ptrs, const int64_t* byte_strides, int64_t n)`.
// A kernel checks whether all byte strides equal the element size (the contiguous fast
// path, a plain loop the compiler vectorizes) or one is 0 (a broadcast scalar).
#include <cstdint>

#include "keel/core/view.h"
#include "kernels/cpu/parallel.h"

namespace keel::kernels {

inline constexpr int kMaxOperands = 4;

struct ElementIter {
  int ndim = 0;
  int nops = 0;
  std::int64_t numel = 0;
  std::int64_t sizes[kMaxDims] = {};                  // innermost last
  std::int64_t strides[kMaxOperands][kMaxDims] = {};  // bytes
  char* data[kMaxOperands] = {};

  // operands[0] is the output, whose shape every input is broadcast to.
  ElementIter(const View* const* operands, int n);

  template <class Loop>
  void run(const Loop& loop, std::int64_t grain = kGrain) const {
    parallel_for(0, numel, grain, [&](std::int64_t b, std::int64_t e) { run_range(b, e, loop); });
  }

  template <class Loop>
  void run_range(std::int64_t begin, std::int64_t end, const Loop& loop) const {
    if (ndim == 0) {
      char* ptrs[kMaxOperands];
      std::int64_t inner[kMaxOperands] = {};
      for (int o = 0; o < nops; ++o) ptrs[o] = data[o];
      if (begin < end) loop(ptrs, inner, std::int64_t{1});
      return;
    }
    std::int64_t idx[kMaxDims];
    std::int64_t rem = begin;
    for (int d = ndim - 1; d >= 0; --d) {
      idx[d] = rem % sizes[d];
      rem /= sizes[d];
    }
    std::int64_t inner[kMaxOperands];
    for (int o = 0; o < nops; ++o) inner[o] = strides[o][ndim - 1];
    std::int64_t pos = begin;
    while (pos < end) {
      char* ptrs[kMaxOperands];
      for (int o = 0; o < nops; ++o) {
        std::int64_t off = 0;
        for (int d = 0; d < ndim; ++d) off += idx[d] * strides[o][d];
        ptrs[o] = data[o] + off;
      }
      std::int64_t n = sizes[ndim - 1] - idx[ndim - 1];
      if (n > end - pos) n = end - pos;
      loop(ptrs, inner, n);
      pos += n;
      idx[ndim - 1] += n;
      for (int d = ndim - 1; d > 0 && idx[d] >= sizes[d]; --d) {
        idx[d] = 0;
        ++idx[d - 1];
      }
    }
  }
};

}  // namespace keel::kernels
