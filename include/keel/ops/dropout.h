#pragma once
// Dropout (torch.nn.functional.dropout, dropout2d): a Bernoulli mask times the input, so its
// autograd is that of mul. Users call them as keel::nn::functional::* (keel/nn/functional.h).
#include "keel/tensor/tensor.h"

namespace keel::ops {

// Zeroes each element with probability p and scales the rest by 1/(1-p) in training;
// the identity otherwise. p outside [0, 1] is an error.
Tensor dropout(const Tensor& x, double p = 0.5, bool training = true);
// Zeroes whole channels (dim 1) of (N, C, ...) inputs, as Dropout2d.
Tensor dropout2d(const Tensor& x, double p = 0.5, bool training = true);

}  // namespace keel::ops
