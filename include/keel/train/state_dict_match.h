#pragma once
// Loading weights that another program wrote, e.g. a PyTorch user's state_dict of the
// torch.nn.Sequential equivalent to a keel config, into the model built from that config.
// PyTorch's MLP on flat inputs has no Flatten at index 0 (keys 0.weight ... 8.bias where keel
// has 1.weight ... 9.bias), and a model saved without Dropout layers numbers its layers
// differently; both hold the same tensors in the same order, so they are matched by position.
#include <string>

#include "keel/io/safetensors.h"
#include "keel/nn/module.h"

namespace keel::train {

// Returns `found` renamed to the keys of `expected` when their layers match in order: the
// numbered layers ("3.weight", "3.bias" -> layer 3) are compared one by one by their entries'
// names and shapes, ignoring the numbers. `found` comes back unchanged when its keys already
// are the expected ones. Otherwise throws keel::Error naming `source`, showing the expected and
// found keys and shapes side by side and, when the found tensors are a keel model, the config
// keys that would build it.
nn::StateDict match_state_dict(const nn::StateDict& expected, nn::StateDict found, const std::string& source);

// The config settings whose model has the tensors of `state`, such as
// "model.arch=mlp model.hidden=64,32 model.norm=batch (784 input features, 10 classes)",
// or "" when they are not a model keel builds.
std::string config_for_state(const nn::StateDict& state);

// Loads a checkpoint into `model`: a keel checkpoint or training state, or a state_dict saved
// by PyTorch (matched by position as above). Returns the file's metadata.
io::Metadata load_weights(const std::string& path, nn::Module& model);

}  // namespace keel::train
