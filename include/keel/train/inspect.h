#pragma once
// `keel inspect`: one forward and backward pass (train mode, cross-entropy) of a Sequential
// model on one batch, with statistics per layer: what the activations and gradients look
// like, whether sigmoid/tanh units saturate and ReLUs die. This is where vanishing gradients
// under a bad initialization show: the gradient std shrinks layer by layer towards the input.
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "keel/nn/container.h"

namespace keel::train {

struct LayerStats {
  std::int64_t index = 0;  // position in the Sequential
  std::string type;        // "Linear", "ReLU", ...
  Dims output_shape;
  double act_mean = 0, act_std = 0;                      // the layer's output
  double grad_mean = NAN, grad_std = NAN;                // gradient of the loss w.r.t. the output
  double weight_grad_mean = NAN, weight_grad_std = NAN;  // w.r.t. the layer's weight (if any)
  double saturated = NAN;  // Sigmoid: y < 0.01 or y > 0.99; Tanh: |y| > 0.99 (share of outputs)
  double dead = NAN;       // ReLU: share of units that are zero for the whole batch
};

struct InspectResult {
  double loss = 0;
  std::vector<LayerStats> layers;
  std::string to_text() const;  // one line per layer, and a note on vanishing/exploding gradients
};

// Leaves the model in train mode with the batch's gradients in its parameters.
InspectResult inspect_layers(nn::Sequential& model, const Tensor& input, const Tensor& target);

}  // namespace keel::train
