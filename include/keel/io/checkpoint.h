#pragma once
// Checkpoints: a module's state_dict in a safetensors file, under PyTorch's key names
// ("0.weight", "1.running_mean", "1.num_batches_tracked", ...), so that
//   sd = {name: tensor for name, tensor in <the file's tensors>}; model.load_state_dict(sd)
// works in PyTorch for the same architecture, and files PyTorch wrote load into keel.
// Writes are atomic (see AtomicFile): an interrupted save never damages the previous file.
#include <string>

#include "keel/io/check_finite.h"
#include "keel/io/safetensors.h"
#include "keel/nn/module.h"
#include "keel/optim/optimizer.h"

namespace keel::io {

// The metadata key that tells what a file holds: "checkpoint" or "training_state".
inline constexpr const char* kContentKey = "keel.content";

// Every file keel saves here carries a checksum of its tensors (names, dtypes, shapes and
// bytes) under this metadata key; loading verifies it, so a flipped bit is refused rather than
// trained on. Files without the key (written by PyTorch) load unchecked. Metadata is a plain
// string map, so PyTorch readers ignore it.
inline constexpr const char* kChecksumKey = "keel.checksum";
// The key's value for `tensors` ("fnv1a64:" and 16 hex digits).
std::string data_checksum(const NamedTensors& tensors);
// Throws keel::Error when `file` carries a checksum that its tensors do not match.
void verify_checksum(const std::string& path, const SafetensorsContents& file);

// Writes module.state_dict() with `metadata` (plus "format": "pt", as PyTorch's safetensors
// writer adds, and kContentKey; keys given in `metadata` take precedence).
void save_checkpoint(const std::string& path, const nn::Module& module, const Metadata& metadata = {});

// Loads a checkpoint (or the model part of a training state) into `module` through
// Module::load_state_dict: with strict, missing and unexpected keys are errors; shape
// mismatches always are. Values are converted to the module's dtypes. Nothing is changed
// when it throws. Returns the file's metadata.
Metadata load_checkpoint(const std::string& path, nn::Module& module, bool strict = true);

// Everything --resume needs, in one file: the model's state_dict under "model.", optimizer
// state (whatever named tensors the optimizer exports, e.g. "0.momentum_buffer") under
// "optim.", and training progress (epoch, step, RNG state, config, ...) as string metadata.
struct TrainingState {
  NamedTensors optimizer;  // names without the "optim." prefix
  Metadata metadata;
};
inline constexpr const char* kModelPrefix = "model.";
inline constexpr const char* kOptimizerPrefix = "optim.";

void save_training_state(const std::string& path, const nn::Module& model,
                         const NamedTensors& optimizer_state, const Metadata& metadata = {});
// Loads the model weights into `model` (as load_checkpoint) and returns the optimizer state
// and metadata. Throws keel::Error for a plain checkpoint, which has no optimizer state.
TrainingState load_training_state(const std::string& path, nn::Module& model, bool strict = true);

// The same with a keel optimizer: its state_dict() is stored (see optimizer_state.h) and
// restored with load_state_dict(), so training resumes exactly. Returns the metadata.
inline constexpr const char* kOptimizerKey = "keel.optimizer";
void save_training_state(const std::string& path, const nn::Module& model, const optim::Optimizer& optimizer,
                         const Metadata& metadata = {});
Metadata load_training_state(const std::string& path, nn::Module& model, optim::Optimizer& optimizer,
                             bool strict = true);

}  // namespace keel::io
