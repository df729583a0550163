#pragma once
// `keel biasvar`: for each [[variant]] of a config (or the base config alone when it has none),
// K models, each trained on a bootstrap resample of the training part, then their test-set
// class probabilities decomposed into bias and variance (keel/train/bias_variance.h).
//
// Model k of a variant trains with train.seed = seed + k on n indices drawn with replacement
// from the n samples of the training part by a Generator seeded with seed + k (keel's randint),
// where seed is the config's train.seed. data.val_fraction is set to 0: the decomposition is
// on the test set, and a split seeded by each model's seed would change the training part.
// The models' last weights (the end of training) are the ones evaluated.
//
// Parallelism: under mpirun (dist::world() with N > 1 processes) model j (over variants x K)
// trains on rank j mod N and the probabilities are gathered to rank 0 by allgather_bytes; only
// rank 0 writes biasvar.csv/.svg/.txt. In one process the models train one after another, each
// with train.threads threads: the trainer seeds and draws from the process-wide default
// generator (initialization, dropout), so two models in one process cannot train at once
// without changing each other's random streams.
//
// The run directory receives:
//   <variant>/model_<k>/   each model's run (the trainer's run directory)
//   biasvar.csv            one row per variant (see bias_variance_report.h)
//   biasvar.svg            error, bias and variance against the variant (squared and 0-1 panels)
//   biasvar.txt            the summary that is also printed
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "keel/train/bias_variance_report.h"
#include "keel/train/config.h"

namespace keel::dist {
class ProcessGroup;
}

namespace keel::train {

struct BiasVarianceOptions {
  int models = 8;                 // K per variant
  std::string run_dir;            // empty: <run.dir>/<run.name>
  std::string source = "config";  // the config's name, for error messages
  bool overwrite = false;         // replace an earlier biasvar run in the run directory
  std::ostream* out = nullptr;    // progress and the result; null: std::cout
  std::ostream* err = nullptr;    // warnings; null: std::cerr
  int progress = -1;              // as TrainerOptions::progress
  bool handle_sigint = true;
  std::shared_ptr<dist::ProcessGroup> group;  // null: dist::world()
};

struct BiasVarianceResult {
  int exit_code = 0;  // 0, or 130 when interrupted (nothing is written then)
  std::string run_dir;
  std::vector<BiasVarianceRow> rows;  // rank 0 only
  std::string summary;                // rank 0 only
};

// The bootstrap resample of model `k`: n indices in [0, n) drawn with replacement, seeded by
// seed + k.
std::vector<std::int64_t> bootstrap_indices(std::int64_t n, std::uint64_t seed, int k);

// Refuses (keel::Error) before any training when the run directory already holds a biasvar
// result or one of the models' runs, unless options.overwrite.
BiasVarianceResult run_bias_variance(const Config& config, const BiasVarianceOptions& options = {});

}  // namespace keel::train
