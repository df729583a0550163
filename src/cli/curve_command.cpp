// `keel curve`: argument handling only; the work is train::run_learning_curve.
#include <filesystem>

#include "commands.h"
#include "keel/train/learning_curve.h"

namespace keel::cli {

int run_curve(CurveArgs args) {
  split_config_from_sets(args.config, args.sets);
  train::Config config = args.config.empty() ? train::Config() : train::Config::from_toml_file(args.config);
  for (const auto& s : args.sets) config.set(s);
  train::LearningCurveOptions options;
  options.sizes = args.sizes;
  options.overwrite = args.overwrite;
  // <run.dir>/<name>_curve, so that a curve never mixes with `keel train`'s run of one config.
  std::string name = config.get_string("run.name");
  if (name.empty())
    name = args.config.empty() ? "default" : std::filesystem::path(args.config).stem().string();
  options.run_dir = args.run_dir.empty()
                        ? (std::filesystem::path(config.get_string("run.dir")) / (name + "_curve")).string()
                        : args.run_dir;
  return train::run_learning_curve(config, options).exit_code;
}

}  // namespace keel::cli
