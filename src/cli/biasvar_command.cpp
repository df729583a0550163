// `keel biasvar`: argument handling only; the work is train::run_bias_variance.
#include "commands.h"
#include "keel/train/bias_variance_run.h"
#include "keel/train/config.h"

namespace keel::cli {

int run_biasvar(BiasvarArgs args) {
  split_config_from_sets(args.config, args.sets);
  const train::Config config = load_config(args.config, args.sets);
  train::BiasVarianceOptions options;
  options.models = args.models;
  options.overwrite = args.overwrite;
  options.source = args.config.empty() ? "the default config" : args.config;
  options.run_dir = args.run_dir.empty() ? suffixed_run_dir(config, args.config, "_biasvar") : args.run_dir;
  return train::run_bias_variance(config, options).exit_code;
}

}  // namespace keel::cli
