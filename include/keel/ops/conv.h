#pragma once
// Convolution and 2-D pooling (torch.nn.functional.conv2d, max_pool2d, avg_pool2d,
// adaptive_avg_pool2d) with their autograd. Inputs are (N, C, H, W) or unbatched (C, H, W).
// Users call them as keel::nn::functional::* (keel/nn/functional_conv.h re-exports them).
#include <cstdint>
#include <string>
#include <tuple>

#include "keel/tensor/tensor.h"

namespace keel::ops {

// A 2-D size given as one int (used for both dims) or as (h, w), like PyTorch's
// `int | tuple[int, int]` arguments. `scalar` remembers the spelling for extra_repr. A
// default-constructed Pair is "not given" (PyTorch's stride=None), see or().
struct Pair {
  std::int64_t h = 0, w = 0;
  bool scalar = false;
  bool unset = false;
  Pair() : unset(true) {}
  Pair(std::int64_t v) : h(v), w(v), scalar(true) {}  // NOLINT: implicit, like PyTorch's int arguments
  Pair(std::int64_t h, std::int64_t w) : h(h), w(w) {}
  bool operator==(const Pair& o) const { return h == o.h && w == o.w; }
  // This pair, or `fallback` when not given.
  const Pair& or_(const Pair& fallback) const { return unset ? fallback : *this; }
  // "(3, 3)"; with as_given, "3" when it was given as one int.
  std::string str(bool as_given = false) const;
};

// Cross-correlation of x (N, C, H, W) with weight (O, C/groups, kh, kw), plus bias (O).
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor(), Pair stride = 1,
              Pair padding = 0, Pair dilation = 1, std::int64_t groups = 1);

// Max over each window; padding counts as -inf. stride defaults to kernel_size.
Tensor max_pool2d(const Tensor& x, Pair kernel_size, Pair stride = Pair(), Pair padding = 0,
                  Pair dilation = 1, bool ceil_mode = false);
// The max values and their flat indices (h * W + w) within each input plane, as PyTorch's
// return_indices=True.
std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& x, Pair kernel_size, Pair stride = Pair(),
                                                   Pair padding = 0, Pair dilation = 1,
                                                   bool ceil_mode = false);
// Mean over each window; count_include_pad counts the zero padding in the divisor.
Tensor avg_pool2d(const Tensor& x, Pair kernel_size, Pair stride = Pair(), Pair padding = 0,
                  bool ceil_mode = false, bool count_include_pad = true);
// Mean over windows [floor(i * in / out), ceil((i + 1) * in / out)) per output index i.
Tensor adaptive_avg_pool2d(const Tensor& x, Pair output_size);

}  // namespace keel::ops
