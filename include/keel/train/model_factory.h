#pragma once
// Builds the models `keel train` runs from a Config: the MLP (Linear -> norm -> activation ->
// dropout per hidden layer) and the CNN (two Conv2d-norm-ReLU-MaxPool blocks, then
// Linear(3136, 128)-ReLU-Dropout-Linear), the row-sequential GRU/LSTM (ImageRows -> GRU or LSTM,
// batch_first -> LastStep -> LayerNorm (model.norm = layer) -> Dropout -> Linear), and applies the configured
// weight initialization.
#include <memory>

#include "keel/nn/container.h"
#include "keel/train/config.h"

namespace keel::train {

// in_features: flattened input size (784 for 28x28 images); classes: output size.
std::shared_ptr<nn::Sequential> build_model(const Config& config, std::int64_t in_features,
                                            std::int64_t classes);

// Re-initializes every Linear/Conv2d weight (and zeroes biases) by model.init:
// default (PyTorch's), constant, uniform, normal, xavier, kaiming or orthogonal. Recurrent
// layers keep PyTorch's initialization.
void initialize_weights(nn::Module& model, const Config& config);

}  // namespace keel::train
