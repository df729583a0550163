#include "keel/io/checkpoint.h"

#include <string_view>

#include "keel/io/optimizer_state.h"

namespace keel::io {
namespace {

constexpr const char* kCheckpoint = "checkpoint";
constexpr const char* kTrainingState = "training_state";

Metadata with_defaults(const Metadata& metadata, const char* content) {
  Metadata out = metadata;
  out.try_emplace("format", "pt");
  out.try_emplace(kContentKey, content);
  return out;
}

bool is_training_state(const Metadata& metadata) {
  auto it = metadata.find(kContentKey);
  return it != metadata.end() && it->second == kTrainingState;
}

// Loads `state` into `module`, naming the file in load_state_dict's errors.
void load_into(const std::string& path, nn::Module& module, const nn::StateDict& state, bool strict) {
  try {
    module.load_state_dict(state, strict);
  } catch (const Error& e) {
    detail::fail("cannot load '", path, "': ", e.what());
  }
}

// Splits a training-state file into the model's entries and the optimizer's, prefixes removed.
void split(const std::string& path, NamedTensors& tensors, nn::StateDict& model, NamedTensors& optim) {
  const std::string_view mp = kModelPrefix, op = kOptimizerPrefix;
  for (auto& [name, t] : tensors) {
    std::string_view n = name;
    if (n.starts_with(mp))
      model.emplace_back(name.substr(mp.size()), std::move(t));
    else if (n.starts_with(op))
      optim.emplace_back(name.substr(op.size()), std::move(t));
    else
      detail::fail("cannot load '", path, "': training-state tensor '", name, "' has neither the \"",
                   kModelPrefix, "\" nor the \"", kOptimizerPrefix, "\" prefix");
  }
}

}  // namespace

void save_checkpoint(const std::string& path, const nn::Module& module, const Metadata& metadata) {
  save_safetensors(path, module.state_dict(), with_defaults(metadata, kCheckpoint));
}

Metadata load_checkpoint(const std::string& path, nn::Module& module, bool strict) {
  SafetensorsContents file = load_safetensors(path);
  if (is_training_state(file.metadata)) {
    nn::StateDict model;
    NamedTensors optim;
    split(path, file.tensors, model, optim);
    load_into(path, module, model, strict);
  } else {
    load_into(path, module, file.tensors, strict);
  }
  return std::move(file.metadata);
}

void save_training_state(const std::string& path, const nn::Module& model,
                         const NamedTensors& optimizer_state, const Metadata& metadata) {
  NamedTensors all;
  for (auto& [name, t] : model.state_dict()) all.emplace_back(kModelPrefix + name, std::move(t));
  for (const auto& [name, t] : optimizer_state) all.emplace_back(kOptimizerPrefix + name, t);
  save_safetensors(path, all, with_defaults(metadata, kTrainingState));
}

TrainingState load_training_state(const std::string& path, nn::Module& model, bool strict) {
  SafetensorsContents file = load_safetensors(path);
  KEEL_CHECK(
      is_training_state(file.metadata), "cannot resume from '", path,
      "': it holds model weights only (no optimizer state or progress); it is not a training state written "
      "by save_training_state");
  nn::StateDict weights;
  TrainingState out;
  split(path, file.tensors, weights, out.optimizer);
  load_into(path, model, weights, strict);
  out.metadata = std::move(file.metadata);
  return out;
}

void save_training_state(const std::string& path, const nn::Module& model, const optim::Optimizer& optimizer,
                         const Metadata& metadata) {
  EncodedOptimizerState encoded = encode_optimizer_state(optimizer.state_dict(), optimizer.name());
  Metadata meta = metadata;
  meta[kOptimizerKey] = encoded.json;
  save_training_state(path, model, encoded.tensors, meta);
}

Metadata load_training_state(const std::string& path, nn::Module& model, optim::Optimizer& optimizer,
                             bool strict) {
  SafetensorsContents file = load_safetensors(path);
  KEEL_CHECK(is_training_state(file.metadata), "cannot resume from '", path,
             "': it holds model weights only (no optimizer state or progress)");
  auto it = file.metadata.find(kOptimizerKey);
  KEEL_CHECK(it != file.metadata.end(), "cannot resume from '", path, "': it has no \"", kOptimizerKey,
             "\" metadata (it was saved with named optimizer tensors, not a keel optimizer)");
  nn::StateDict weights;
  NamedTensors optim_tensors;
  split(path, file.tensors, weights, optim_tensors);
  // Decode before touching anything, so a bad file changes neither model nor optimizer.
  optim::OptimizerState state = decode_optimizer_state(optim_tensors, it->second, optimizer.name(), path);
  load_into(path, model, weights, strict);
  try {
    optimizer.load_state_dict(state);
  } catch (const Error& e) {
    detail::fail("cannot load the optimizer state of '", path, "': ", e.what());
  }
  return std::move(file.metadata);
}

}  // namespace keel::io
