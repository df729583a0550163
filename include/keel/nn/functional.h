#pragma once
// keel::nn::functional (torch.nn.functional): stateless forms of the layers.
#include <string_view>

#include "keel/tensor/tensor.h"

namespace keel::nn::functional {

// x @ weight^T + bias, weight (out_features, in_features), bias optional.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor());
// Zeroes each element with probability p and scales the rest by 1/(1-p) in training;
// the identity otherwise. p outside [0, 1] is an error.
Tensor dropout(const Tensor& x, double p = 0.5, bool training = true);
// Zeroes whole channels (dim 1) of (N, C, ...) inputs, as Dropout2d.
Tensor dropout2d(const Tensor& x, double p = 0.5, bool training = true);

}  // namespace keel::nn::functional
