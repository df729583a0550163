#pragma once
// keel::nn::functional normalization (torch.nn.functional.batch_norm, layer_norm,
// instance_norm, group_norm): the ops of keel/ops/normalization.h under their torch.nn names.
#include "keel/ops/normalization.h"

namespace keel::nn::functional {
using ops::batch_norm;
using ops::batch_norm_relu;
using ops::batch_norm_relu_max_pool2d;
using ops::group_norm;
using ops::instance_norm;
using ops::layer_norm;
}  // namespace keel::nn::functional
