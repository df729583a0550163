#pragma once
// Trainer: one configured run of `keel train`, from data to diagnosis.
//
//   train::Trainer trainer(config, {.run_dir = "runs/mlp"});
//   train::TrainResult r = trainer.run();   // r.exit_code: 0, 1 (non-finite loss) or 130 (stopped)
//
// The run directory receives, as training goes:
//   config.toml                 the resolved configuration (written once the data is loaded
//                               and the model built, before the first step)
//   metrics.csv, curves.svg     rewritten after every epoch
//   last.safetensors            the model after the latest epoch (PyTorch state_dict names)
//   best.safetensors            the model at the best validation accuracy so far
//   training_state.safetensors  model + optimizer + progress, for resume()
//   summary.json                epochs so far ("running"); at the end test accuracy, verdict
//   .keel.lock                  held (flock) by the process writing the directory
// Every epoch is committed as one unit (see src/train/run_dir.h): after a kill at any point the
// directory holds all of an epoch's outputs or none of them. A failed start (missing data, a bad
// training state, a conflicting --set) leaves every file as it was. Checkpoints and the
// training state carry a checksum of their tensors, which loading verifies.
//
// Reproducibility: train.seed seeds the default generator (initialization, dropout), the
// train/val split and the loader (order, augmentation), so two runs with one seed end with
// identical weights. A resumed run restores the model, the optimizer, the scheduler position,
// the default generator's offset, and the epoch and step, and ends with the same weights as a
// run that was never interrupted.
#include <cmath>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "keel/dist/process_group.h"
#include "keel/train/config.h"
#include "keel/train/diagnosis.h"
#include "keel/train/metrics.h"

namespace keel::train {

struct TrainerOptions {
  std::string run_dir;          // empty: <run.dir>/<run.name>
  std::ostream* out = nullptr;  // progress and results; null: std::cout
  std::ostream* err = nullptr;  // warnings; null: std::cerr
  // Progress display: -1 picks a bar when `out` is std::cout on a terminal, else plain lines;
  // 0 plain lines; 1 the bar.
  int progress = -1;
  // Installs a SIGINT handler for the run: Ctrl-C stops after the current step (a second
  // Ctrl-C kills the process as usual).
  bool handle_sigint = true;
  // Test hook: behaves as if Ctrl-C came after this many optimizer steps of this run() call
  // (0: never).
  std::int64_t stop_after_steps = 0;
  bool evaluate_test = true;  // evaluate the best weights on the test set at the end
  // Non-empty: the run trains on these rows of the configured training part (after the
  // validation split and data.train_subset), in place of all of it; repeats are allowed, so a
  // bootstrap resample (`keel biasvar`) is a list of n indices drawn with replacement. The
  // indices are not saved in the run directory: a resumed run trains on the whole part.
  std::vector<std::int64_t> train_indices;
  // A fresh run into a directory that already holds a run's outputs replaces them (only after
  // the new run has loaded its data and built its model); without it such a run is refused.
  bool overwrite = false;
  // Test hook: called after each file the run writes or renames in its directory (with the
  // file's name); throwing from it simulates a kill at that point.
  std::function<void(const std::string& file)> after_write;
  // Data-parallel training over this group (`mpirun -np N keel train`): null or a group of one
  // process trains alone. Every rank runs the same loop on its shard of each epoch
  // (train.batch_size samples per rank and step) with gradients averaged over the group; only
  // rank 0 writes the run directory and prints (the others' `out` and `err` are silenced).
  std::shared_ptr<dist::ProcessGroup> group;
};

struct TrainResult {
  enum class Status { Completed, Interrupted, NonFinite };
  Status status = Status::Completed;
  int exit_code = 0;  // 0, 130 when interrupted, 1 on a non-finite loss
  std::string run_dir;
  std::string message;  // why it stopped, when it did not complete
  MetricsLog log;
  int best_epoch = -1;  // 1-based epoch of best.safetensors
  double best_val_acc = NAN;
  double test_acc = NAN;
  double test_loss = NAN;
  bool stopped_early = false;
  Diagnosis diagnosis;
  std::vector<std::string> gradient_warnings;  // exploding/vanishing gradient norms (epoch ranges)
};

class Trainer {
 public:
  // A fresh run (refused over an existing run unless options.overwrite).
  Trainer(Config config, TrainerOptions options = {});
  // Continues the run in `run_dir` from its training_state.safetensors, with the config it
  // saved (config.toml) plus `overrides` ("key=value"). Only keys that do not change what was
  // trained may be overridden (kResumableKeys); others are refused. A larger train.epochs
  // extends the run: the lr schedule is defined for the new total as if the run had been
  // started with it (cosine and onecycle stretch; the extra epochs train at that schedule's lr).
  static Trainer resume(const std::string& run_dir, const std::vector<std::string>& overrides = {},
                        TrainerOptions options = {});

  TrainResult run();

  const Config& config() const { return config_; }
  const std::string& run_dir() const { return run_dir_; }

  // Asks a running trainer (any thread, or a signal handler) to stop after its current step.
  static void request_stop();

 private:
  Config config_;
  TrainerOptions options_;
  std::string run_dir_;
  bool resuming_ = false;
};

// The run directory a config trains into: run.dir / run.name, where an empty run.name falls
// back to `fallback_name` (the config file's stem) or "default".
std::string default_run_dir(const Config& config, const std::string& fallback_name = "");

// The keys that a resume may override.
inline constexpr const char* kResumableKeys[] = {"train.epochs",
                                                 "train.threads",
                                                 "train.eval_batch_size",
                                                 "train.early_stopping_patience",
                                                 "run.name",
                                                 "run.dir",
                                                 "data.dir",
                                                 "data.csv_test",
                                                 "data.test_subset"};

// File names inside a run directory.
inline constexpr const char* kConfigFile = "config.toml";
inline constexpr const char* kMetricsFile = "metrics.csv";
inline constexpr const char* kCurvesFile = "curves.svg";
inline constexpr const char* kBestFile = "best.safetensors";
inline constexpr const char* kLastFile = "last.safetensors";
inline constexpr const char* kStateFile = "training_state.safetensors";
inline constexpr const char* kSummaryFile = "summary.json";

}  // namespace keel::train
