#pragma once
// The `keel` subcommands. Each returns the process exit code and throws keel::Error (or
// another std::exception) for bad input, which main() prints as one "keel: error:" line.
#include <cstdint>
#include <string>
#include <vector>

namespace keel::train {
class Config;
}

namespace keel::cli {

struct TrainArgs {
  std::string config;  // empty: the default MLP run
  std::vector<std::string> sets;
  std::string resume;   // run directory to continue
  std::string run_dir;  // overrides <run.dir>/<run.name>
  // Replace a run already in the run directory.
  bool overwrite = false;
  bool help_config = false;
};
int run_train(TrainArgs args);

struct CompareArgs {
  std::string config;
  std::vector<std::string> sets;
  bool overwrite = false;  // replace the variants' earlier runs
};
int run_compare(CompareArgs args);

struct EvalArgs {
  std::string target;  // a run directory or a checkpoint file
  std::string config;
  std::vector<std::string> sets;
};
int run_eval(const EvalArgs& args);

struct InspectArgs {
  std::string config;
  std::vector<std::string> sets;
  std::string run;  // a run directory: its config and best weights
};
int run_inspect(const InspectArgs& args);

struct CurveArgs {
  std::string config;  // empty: the default MLP run
  std::vector<std::string> sets;
  std::vector<std::int64_t> sizes;  // empty: 1k, 2k, 5k, 10k, 20k and all
  std::string run_dir;              // overrides <run.dir>/<run.name>
  bool overwrite = false;           // replace a learning curve already there
};
int run_curve(CurveArgs args);

struct BiasvarArgs {
  std::string config;  // empty: the default MLP run
  std::vector<std::string> sets;
  int models = 8;          // bootstrap models per variant
  std::string run_dir;     // overrides <run.dir>/<run.name>_biasvar
  bool overwrite = false;  // replace a bias-variance run already there
};
int run_biasvar(BiasvarArgs args);

// --set collects every word after it, so `keel train --set a=1 config.toml` would take the
// config file for an assignment: words without '=' that end in .toml become the config.
void split_config_from_sets(std::string& config, std::vector<std::string>& sets);

// The config file (empty: the defaults) with the --set assignments applied.
train::Config load_config(const std::string& path, const std::vector<std::string>& sets);
// <run.dir>/<run.name><suffix>, where an empty run.name falls back to the config file's stem
// (or "default"): `keel curve` and `keel biasvar` write beside `keel train`'s run, never into it.
std::string suffixed_run_dir(const train::Config& config, const std::string& config_path,
                             const std::string& suffix);

}  // namespace keel::cli
