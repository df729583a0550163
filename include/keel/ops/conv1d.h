#pragma once
// conv1d (torch.nn.functional.conv1d). Users call it as keel::nn::functional::conv1d
// (keel/nn/functional_conv.h).
#include <cstdint>

#include "keel/tensor/tensor.h"

namespace keel::ops {

// Cross-correlation of x (N, C, L) or unbatched (C, L) with weight (O, C / groups, k), plus
// bias (O), zero padding.
Tensor conv1d(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor(), std::int64_t stride = 1,
              std::int64_t padding = 0, std::int64_t dilation = 1, std::int64_t groups = 1);

}  // namespace keel::ops
