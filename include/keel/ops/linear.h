#pragma once
// linear (torch.nn.functional.linear) as one op with its autograd: the GEMMs read the weight in
// its (out, in) layout. Users call it as keel::nn::functional::linear (keel/nn/functional.h).
#include "keel/tensor/tensor.h"

namespace keel::ops {

// x @ weight^T + bias, weight (out_features, in_features), bias optional.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor());

}  // namespace keel::ops
