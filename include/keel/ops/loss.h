#pragma once
// Losses (torch.nn.functional's), with reduction "none" | "mean" | "sum" and PyTorch's
// numerics (log-sum-exp inside cross_entropy, the stable softplus form in
// binary_cross_entropy_with_logits). Users call them as keel::nn::functional::* and the loss
// modules of keel/nn/loss.h.
#include <cstdint>

#include "keel/tensor/tensor.h"

namespace keel::ops {

enum class Reduction { None, Mean, Sum };

Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean);
Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean);
// input (N, C) or (N, C, d...) log-probabilities; target int64 class indices (N) / (N, d...).
Tensor nll_loss(const Tensor& input, const Tensor& target, const Tensor& weight = Tensor(),
                std::int64_t ignore_index = -100, Reduction reduction = Reduction::Mean);
// input logits (N, C) or (N, C, d...); target int64 class indices.
Tensor cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight = Tensor(),
                     std::int64_t ignore_index = -100, Reduction reduction = Reduction::Mean,
                     double label_smoothing = 0.0);
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const Tensor& weight = Tensor(), const Tensor& pos_weight = Tensor(),
                                        Reduction reduction = Reduction::Mean);

}  // namespace keel::ops
