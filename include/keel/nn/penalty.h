#pragma once
// Weight penalties for regularized losses, differentiable with respect to every parameter:
//   loss = criterion(out, y) + lambda * l1_penalty(weights_only(*model));
#include <vector>

#include "keel/nn/module.h"
#include "keel/tensor/tensor.h"

namespace keel::nn {

// sum over params of sum |w|; the gradient is sign(w) (0 at 0, as PyTorch's abs).
Tensor l1_penalty(const std::vector<Tensor>& params);
// sum over params of sum w^2; the gradient is 2 w.
Tensor l2_penalty(const std::vector<Tensor>& params);
// alpha * l1_penalty + (1 - alpha) * l2_penalty.
Tensor elastic_net_penalty(const std::vector<Tensor>& params, double alpha);

// The weights of the Linear, Bilinear and Conv/ConvTranspose layers of a module tree, in
// module order: the tensors usually penalized (no biases, no normalization parameters).
std::vector<Tensor> weights_only(Module& module);

}  // namespace keel::nn
