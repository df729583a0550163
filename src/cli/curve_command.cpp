// `keel curve`: argument handling only; the work is train::run_learning_curve.
#include "commands.h"
#include "keel/train/config.h"
#include "keel/train/learning_curve.h"

namespace keel::cli {

int run_curve(CurveArgs args) {
  split_config_from_sets(args.config, args.sets);
  const train::Config config = load_config(args.config, args.sets);
  train::LearningCurveOptions options;
  options.sizes = args.sizes;
  options.overwrite = args.overwrite;
  options.run_dir = args.run_dir.empty() ? suffixed_run_dir(config, args.config, "_curve") : args.run_dir;
  return train::run_learning_curve(config, options).exit_code;
}

}  // namespace keel::cli
