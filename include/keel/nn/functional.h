#pragma once
// keel::nn::functional (torch.nn.functional): stateless forms of the layers. They are ops
// (keel/ops/), named here as in torch.nn.functional; see also functional_conv.h,
// functional_norm.h and loss.h.
#include "keel/ops/dropout.h"
#include "keel/ops/linear.h"

namespace keel::nn::functional {
using ops::dropout;
using ops::dropout2d;
using ops::linear;
}  // namespace keel::nn::functional
