#pragma once
// Weight penalties for regularized losses, differentiable with respect to every parameter:
//   loss = criterion(out, y) + lambda * l1_penalty(weights_only(*model));
// The penalties are the ops of keel/ops/penalty.h.
#include <vector>

#include "keel/nn/module.h"
#include "keel/ops/penalty.h"
#include "keel/tensor/tensor.h"

namespace keel::nn {

using ops::elastic_net_penalty;
using ops::l1_penalty;
using ops::l2_penalty;

// The weights of the Linear, Bilinear and Conv/ConvTranspose layers of a module tree, in
// module order: the tensors usually penalized (no biases, no normalization parameters).
std::vector<Tensor> weights_only(Module& module);

}  // namespace keel::nn
