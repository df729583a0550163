#include "keel/io/checkpoint.h"

#include <cstdio>
#include <string_view>

#include "keel/io/optimizer_state.h"

namespace keel::io {
namespace {

constexpr const char* kCheckpoint = "checkpoint";
constexpr const char* kTrainingState = "training_state";

Metadata with_defaults(const Metadata& metadata, const char* content, const NamedTensors& tensors) {
  Metadata out = metadata;
  out.try_emplace("format", "pt");
  out.try_emplace(kContentKey, content);
  out[kChecksumKey] = data_checksum(tensors);
  return out;
}

// FNV-1a: a byte-at-a-time hash in which every single-byte change changes the result (each
// step is a bijection of the running value), which is what catching flipped bits needs.
class Fnv1a {
 public:
  void add(const void* data, std::size_t n) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < n; ++i) h_ = (h_ ^ p[i]) * 0x100000001b3ULL;
  }
  template <typename T>
  void add_value(T v) {
    add(&v, sizeof v);
  }
  std::uint64_t value() const { return h_; }

 private:
  std::uint64_t h_ = 0xcbf29ce484222325ULL;
};

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

// Loaded files are checked against their checksum before anything uses their tensors.
void verify_checksum(const std::string& path, const SafetensorsContents& file) {
  auto it = file.metadata.find(kChecksumKey);
  if (it == file.metadata.end()) return;
  const std::string actual = data_checksum(file.tensors);
  KEEL_CHECK(it->second == actual, "cannot load '", path, "': its tensors do not match the checksum in its ",
             "metadata (", kChecksumKey, " ", it->second, ", computed ", actual,
             "); the file is damaged (a flipped bit or a partial copy)");
}

std::string data_checksum(const NamedTensors& tensors) {
  Fnv1a h;
  for (const auto& [name, t] : tensors) {
    h.add(name.data(), name.size() + 1);  // with the terminating NUL: "ab"+"c" != "a"+"bc"
    h.add_value(static_cast<std::uint8_t>(t.dtype()));
    h.add_value(static_cast<std::int64_t>(t.dim()));
    for (std::int64_t s : t.sizes()) h.add_value(s);
    const Tensor c = t.contiguous();
    h.add(c.raw_data(), static_cast<std::size_t>(c.numel()) * c.element_size());
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "fnv1a64:%016llx", static_cast<unsigned long long>(h.value()));
  return buf;
}

void save_checkpoint(const std::string& path, const nn::Module& module, const Metadata& metadata) {
  const nn::StateDict state = module.state_dict();
  save_safetensors(path, state, with_defaults(metadata, kCheckpoint, state));
}

Metadata load_checkpoint(const std::string& path, nn::Module& module, bool strict) {
  SafetensorsContents file = load_safetensors(path);
  verify_checksum(path, file);
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
  save_safetensors(path, all, with_defaults(metadata, kTrainingState, all));
}

TrainingState load_training_state(const std::string& path, nn::Module& model, bool strict) {
  SafetensorsContents file = load_safetensors(path);
  verify_checksum(path, file);
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
  verify_checksum(path, file);
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
