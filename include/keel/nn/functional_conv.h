#pragma once
// keel::nn::functional convolution and pooling (torch.nn.functional.conv2d, max_pool2d,
// avg_pool2d, adaptive_avg_pool2d): the ops of keel/ops/conv.h under their torch.nn names.
#include "keel/ops/conv.h"

namespace keel::nn {

using ops::Pair;

namespace functional {
using ops::adaptive_avg_pool2d;
using ops::avg_pool2d;
using ops::conv2d;
using ops::max_pool2d;
using ops::max_pool2d_with_indices;
}  // namespace functional

}  // namespace keel::nn
