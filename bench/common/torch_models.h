#pragma once
// LibTorch's side of the step workloads (step_specs.h): the same models and training step as
// keel_models.h, layer for layer.
#include <torch/torch.h>

#include <cstdint>
#include <functional>

#include "common/step_specs.h"

namespace bench {

torch::nn::Sequential torch_mlp(std::int64_t in, std::int64_t h1, std::int64_t h2);
torch::nn::Sequential torch_cnn();
torch::nn::Sequential torch_model(const StepSpec& spec);

// One full training step on a batch, as keel_step does; the optimizer lives inside.
using TorchStep = std::function<void(const torch::Tensor& x, const torch::Tensor& y)>;
TorchStep torch_step(torch::nn::Sequential model);

}  // namespace bench
