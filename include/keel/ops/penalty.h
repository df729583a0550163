#pragma once
// Weight penalties for regularized losses, each one fused op differentiable with respect to
// every parameter. Users call them as keel::nn::l1_penalty etc. (keel/nn/penalty.h).
#include <vector>

#include "keel/tensor/tensor.h"

namespace keel::ops {

// sum over params of sum |w|; the gradient is sign(w) (0 at 0, as PyTorch's abs).
Tensor l1_penalty(const std::vector<Tensor>& params);
// sum over params of sum w^2; the gradient is 2 w.
Tensor l2_penalty(const std::vector<Tensor>& params);
// alpha * l1_penalty + (1 - alpha) * l2_penalty.
Tensor elastic_net_penalty(const std::vector<Tensor>& params, double alpha);

}  // namespace keel::ops
