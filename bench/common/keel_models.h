#pragma once
// keel's side of the step workloads (step_specs.h): the models and one training step. Links
// only keel, so keel-only programs (keel_epoch, keel_steps) use it without LibTorch.
#include <keel/keel.h>

#include <cstdint>
#include <functional>
#include <memory>

#include "common/step_specs.h"

namespace bench {

// Linear, BatchNorm1d, ReLU, Dropout(0.2) twice, then Linear(h2, 10): the mlp_step model.
std::shared_ptr<keel::nn::Sequential> keel_mlp(std::int64_t in, std::int64_t h1, std::int64_t h2);
// Two 3x3 Conv2d/BatchNorm2d/ReLU/MaxPool2d blocks (32, 64 channels), Linear(3136, 128), ReLU,
// Dropout(0.5), Linear(128, 10): the cnn_step model, for (N, 1, 28, 28) inputs.
std::shared_ptr<keel::nn::Sequential> keel_cnn();
std::shared_ptr<keel::nn::Sequential> keel_model(const StepSpec& spec);

// One full training step on a batch: zero_grad, forward, CrossEntropyLoss, backward,
// clip_grad_norm_(1.0), SGD(lr 0.01, momentum 0.9, weight decay 5e-4). The optimizer (and
// its momentum buffers) lives inside the returned function, so call it for every step.
using KeelStep = std::function<void(const keel::Tensor& x, const keel::Tensor& y)>;
KeelStep keel_step(std::shared_ptr<keel::nn::Sequential> model);

}  // namespace bench
