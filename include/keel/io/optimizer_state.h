#pragma once
// An optimizer's state_dict in a safetensors file: its buffers become named tensors
// ("state.<param index>.<buffer>", e.g. "state.0.momentum_buffer", as PyTorch's
// optimizer.state_dict()["state"][0]["momentum_buffer"]) and everything else (the optimizer's
// name, parameter groups with their options, step counts) one JSON string of metadata.
#include <string>

#include "keel/io/safetensors.h"
#include "keel/optim/optimizer.h"

namespace keel::io {

struct EncodedOptimizerState {
  NamedTensors tensors;
  std::string json;
};

EncodedOptimizerState encode_optimizer_state(const optim::OptimizerState& state,
                                             const std::string& optimizer_name);
// The inverse; throws keel::Error naming `file` when the JSON or tensors do not fit together,
// or when the state was written by another kind of optimizer than `optimizer_name`.
optim::OptimizerState decode_optimizer_state(const NamedTensors& tensors, const std::string& json,
                                             const std::string& optimizer_name, const std::string& file);

}  // namespace keel::io
