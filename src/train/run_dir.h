#pragma once
// The run directory's file handling for the trainer: the lock that keeps a second process out,
// the epoch commit, and the recovery that a start performs after a kill.
//
// Epoch commit: every output of epoch N (best/last checkpoints, metrics.csv, curves.svg,
// summary.json) is first written under a staged name "<file>.commit-N"; then the training state,
// whose metadata names N as the completed epoch count, is written atomically: that one rename is
// the commit point. Finally the staged files are renamed over their targets. A start after a kill
// reads the committed epoch from the training state and rolls staged files of that epoch forward
// and removes any others (and stale "*.tmp.<pid>" temporaries), so the directory holds all of
// an epoch's outputs or none of them.
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

#include "keel/io/safetensors.h"
#include "keel/nn/module.h"
#include "keel/optim/optimizer.h"

namespace keel::train::detail {

namespace fs = std::filesystem;

// The lock file inside a run directory; it holds the locking process's pid.
inline constexpr const char* kLockFile = ".keel.lock";

// An exclusive flock on <dir>/.keel.lock for the object's lifetime; the system releases it when
// the process ends in any way. Throws keel::Error naming the holder's pid when another process
// (or another open RunDirLock) holds it.
class RunDirLock {
 public:
  explicit RunDirLock(const fs::path& dir);
  ~RunDirLock();
  RunDirLock(const RunDirLock&) = delete;
  RunDirLock& operator=(const RunDirLock&) = delete;

 private:
  int fd_ = -1;
};

// Whether `dir` holds outputs of a run worth keeping (a training state, metrics, checkpoints or
// a summary). A config.toml alone is not (it is written before the first epoch), nor are files
// staged by a first epoch whose commit never happened.
bool holds_run_outputs(const fs::path& dir);
// Removes those outputs and anything staged (for --overwrite); config.toml is replaced later.
void remove_run_outputs(const fs::path& dir);
// Removes "*.tmp.<digits>" files that a killed writer left (call with the lock held).
void remove_stale_temporaries(const fs::path& dir);

// "<name>.commit-<epoch>"
std::string staged_name(std::string_view name, int epoch);
// The file a reader should take for `name` when `epoch` is committed: the staged one while it
// still exists (the commit was not published yet), else `name` itself.
fs::path committed_path(const fs::path& dir, std::string_view name, int epoch);
// Rolls the staged files of `committed_epoch` forward and removes every other staged file and
// stale temporaries. `after_write` (may be empty) is called after each rename.
void recover(const fs::path& dir, int committed_epoch,
             const std::function<void(const std::string&)>& after_write = {});
// The completed epoch count named by <dir>/training_state.safetensors, or 0 without one.
int committed_epoch(const fs::path& dir);

// Every write of a run goes through here, so that the test hook sees each one.
class RunFiles {
 public:
  // A disabled RunFiles writes nothing: the ranks other than 0 of a data-parallel run.
  RunFiles(fs::path dir, std::function<void(const std::string&)> after_write, bool enabled = true)
      : dir_(std::move(dir)), after_write_(std::move(after_write)), enabled_(enabled) {}

  const fs::path& dir() const { return dir_; }
  fs::path path(std::string_view name) const { return dir_ / name; }

  void write_text(const std::string& name, std::string_view text);
  void save_checkpoint(const std::string& name, const nn::Module& model, const io::Metadata& metadata);
  void save_state(const nn::Module& model, const optim::Optimizer& optimizer, const io::Metadata& metadata);
  // Renames the staged files of `epoch` over their targets (after the state names `epoch`).
  void publish(int epoch) {
    if (enabled_) recover(dir_, epoch, after_write_);
  }

 private:
  void wrote(const std::string& name) {
    if (after_write_) after_write_(name);
  }
  fs::path dir_;
  std::function<void(const std::string&)> after_write_;
  bool enabled_ = true;
};

}  // namespace keel::train::detail
