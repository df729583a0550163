// `keel biasvar`: argument handling only; the work is train::run_bias_variance.
#include <filesystem>

#include "commands.h"
#include "keel/train/bias_variance_run.h"
#include "keel/train/trainer.h"

namespace keel::cli {

int run_biasvar(BiasvarArgs args) {
  split_config_from_sets(args.config, args.sets);
  train::Config config = args.config.empty() ? train::Config() : train::Config::from_toml_file(args.config);
  for (const auto& s : args.sets) config.set(s);
  train::BiasVarianceOptions options;
  options.models = args.models;
  options.overwrite = args.overwrite;
  options.source = args.config.empty() ? "the default config" : args.config;
  // <run.dir>/<name>_biasvar, so that it never mixes with `keel train` or `keel compare` runs.
  std::string name = config.get_string("run.name");
  if (name.empty())
    name = args.config.empty() ? "default" : std::filesystem::path(args.config).stem().string();
  options.run_dir = args.run_dir.empty()
                        ? (std::filesystem::path(config.get_string("run.dir")) / (name + "_biasvar")).string()
                        : args.run_dir;
  return train::run_bias_variance(config, options).exit_code;
}

}  // namespace keel::cli
