#pragma once
// torch.nn.utils.clip_grad_norm_ / clip_grad_value_ (1.13): the ops of keel/ops/clip_grad.h
// under their torch.nn.utils names.
#include "keel/ops/clip_grad.h"

namespace keel::nn::utils {
using ops::clip_grad_norm_;
using ops::clip_grad_value_;
}  // namespace keel::nn::utils
