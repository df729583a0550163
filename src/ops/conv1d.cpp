// conv1d as conv2d over a height-1 image: the same windows, so the same values, and the
// gradients come from conv2d's backward through the unsqueeze/squeeze views.
#include "keel/ops/conv1d.h"

#include "keel/ops/conv.h"

namespace keel::ops {

Tensor conv1d(const Tensor& x, const Tensor& weight, const Tensor& bias, std::int64_t stride,
              std::int64_t padding, std::int64_t dilation, std::int64_t groups) {
  KEEL_CHECK(x.dim() == 2 || x.dim() == 3,
             "conv1d: expected a 2-D (unbatched) or 3-D (batched) input, got shape ", x.sizes());
  KEEL_CHECK(weight.dim() == 3,
             "conv1d: expected a 3-D weight (out_channels, in_channels / groups, kernel), got shape ",
             weight.sizes());
  Tensor y = conv2d(x.unsqueeze(-2), weight.unsqueeze(-2), bias, Pair(1, stride), Pair(0, padding),
                    Pair(1, dilation), groups);
  return y.squeeze(-2);
}

}  // namespace keel::ops
