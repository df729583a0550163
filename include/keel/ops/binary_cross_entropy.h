#pragma once
// torch.nn.functional.binary_cross_entropy as one op with its own backward node
// (BinaryCrossEntropyBackward0) and PyTorch's numerics at the edges: each log is clamped at
// -100, and the input gradient divides by max(x (1 - x), 1e-12), so inputs of exactly 0 or 1
// give large finite values. nn::functional::binary_cross_entropy and nn::BCELoss call it.
#include <string_view>

#include "keel/tensor/tensor.h"

namespace keel {

// input: probabilities in [0, 1] (float32 or float64); target of input's shape; weight
// (optional) broadcastable to it and not differentiated; reduction "none", "mean" or "sum".
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight = Tensor(),
                            std::string_view reduction = "mean");

}  // namespace keel
