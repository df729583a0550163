// keel: trains neural networks on Fashion-MNIST (or CSV data) from a TOML configuration and
// tells over- from underfitting. See `keel --help` and `keel <command> --help`.
//
// Exit codes: 0 success; 1 an error (bad input, missing data, non-finite loss); 2 a usage
// error (unknown command or option, missing argument); 130 interrupted by Ctrl-C (the run can resume).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <exception>
#include <functional>
#include <iostream>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "keel/core/error.h"
#include "keel/core/nearest.h"
#include "keel/dist/process_group.h"
#include "keel/train/config.h"
#include "version.h"

namespace {

constexpr const char* kSetHelp =
    "override a config key, e.g. --set optim.lr=0.1 model.hidden=256,128 (see train --help-config)";

// The error for an unknown command, or "" when the command line names a known one (or none,
// which CLI11 reports). The first word that is not an option is the command: keel's own options
// take no values. The guess comes from the same measure as an unknown config key's.
std::string unknown_command(const CLI::App& app, int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string word = argv[i];
    if (word.empty() || word[0] == '-') continue;
    std::vector<std::string> names;
    for (const CLI::App* sub : app.get_subcommands(std::function<bool(const CLI::App*)>{}))
      names.push_back(sub->get_name());
    if (std::find(names.begin(), names.end(), word) != names.end()) return "";
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
    // Only a near miss gets a guess ("trian", "evl"); for "fly" the list says it all.
    const std::string guess = keel::nearest(word, names);
    const bool near = keel::edit_distance(word, guess) <= std::max<std::size_t>(2, word.size() / 2);
    return "unknown command '" + word + "'" + (near ? "; did you mean '" + guess + "'?" : "") +
           " (commands: " + list + ")";
  }
  return "";
}

// Prints the error. Under mpirun it names the rank and ends every rank of the job
// (ProcessGroup::abort), so that none waits for ever in a collective this rank will not join.
void fail_job(const std::string& message) {
  if (keel::dist::launched_by_mpi()) {
    std::shared_ptr<keel::dist::ProcessGroup> group;
    try {
      group = keel::dist::world();
    } catch (const std::exception&) {
      // No group to end (keel built without MPI): this process's own error is the message.
    }
    if (group && group->size() > 1) {
      // One write: mpirun forwards each rank's stderr in the chunks it was written in, and its
      // own MPI_ABORT banner may fall between two pieces of a line written piecewise.
      const std::string line = "keel: error: rank " + std::to_string(group->rank()) + ": " + message + "\n";
      std::fwrite(line.data(), 1, line.size(), stderr);
      std::fflush(stderr);
      group->abort(1);
    }
  }
  std::cerr << "keel: error: " << message << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  using namespace keel::cli;
#if defined(__GLIBC__)
  // glibc serves a block of 128 KiB or more with its own mmap, but after the first such block
  // is freed it raises that threshold to the block's size (up to 32 MiB), and from then on
  // tensors and oneDNN's buffers come from the heap, where freed holes between live blocks
  // stay resident. At 2 threads that cost the default `keel train` ~12 MB of peak RSS (111.7
  // instead of 99.9 MB; one arena instead of two did not help, a 1 MiB threshold saved a third
  // of it). A fixed threshold keeps big blocks in their own mappings, returned on free; keel's
  // caching allocator reuses tensor blocks, so few mmap calls remain per step.
  // Not under mpirun: OpenMPI's collectives malloc a scratch buffer the size of the message on
  // every call, which a fixed threshold turns into a fresh mapping whose pages fault in on every
  // gradient allreduce (a tenth of each rank's time in an epoch of the default MLP).
  if (!keel::dist::launched_by_mpi()) mallopt(M_MMAP_THRESHOLD, 128 * 1024);
#endif
  CLI::App app{"keel: train neural networks on Fashion-MNIST and diagnose over- and underfitting", "keel"};
  app.require_subcommand(1, 1);
  app.footer("Run `keel <command> --help` for a command's options.");
  app.set_version_flag("--version", keel::cli::version_text,
                       "print the version, git commit, build type and SIMD target, and exit");

  TrainArgs train;
  auto* train_cmd = app.add_subcommand(
      "train",
      "Train a model (default: the MLP on Fashion-MNIST); writes runs/<name>/ with config.toml, "
      "metrics.csv, curves.svg, best/last checkpoints and summary.json");
  train_cmd->add_option("config", train.config, "run configuration (TOML); none: the default MLP");
  train_cmd->add_option("--set", train.sets, kSetHelp);
  train_cmd->add_option("--resume", train.resume, "continue the interrupted run in RUN_DIR")
      ->option_text("RUN_DIR");
  train_cmd->add_option("--run-dir", train.run_dir, "write the run here instead of <run.dir>/<run.name>")
      ->option_text("DIR");
  train_cmd->add_flag("--overwrite", train.overwrite, "replace the run already in the run directory");
  train_cmd->add_flag("--help-config", train.help_config, "list every config key with its default and exit");

  CompareArgs compare;
  auto* compare_cmd = app.add_subcommand(
      "compare",
      "Train every [[variant]] of a config and write runs/<name>/report.html with their curves, "
      "a summary table and each variant's verdict; a [claim] table adds the verdict on the claim "
      "(docs/claims.md)");
  compare_cmd->add_option("config", compare.config, "configuration with [[variant]] tables")->required();
  compare_cmd->add_option("--set", compare.sets, kSetHelp + std::string(" (applied to every variant)"));
  compare_cmd->add_flag("--overwrite", compare.overwrite, "replace the variants' earlier runs");

  EvalArgs eval;
  auto* eval_cmd = app.add_subcommand(
      "eval", "Evaluate a trained model on the test set: accuracy, per-class accuracy, confusion matrix");
  eval_cmd->add_option("target", eval.target, "a run directory (uses its best.safetensors) or a checkpoint")
      ->required();
  eval_cmd->add_option("--config", eval.config, "the model's configuration (required for a bare checkpoint)")
      ->option_text("CONFIG");
  eval_cmd->add_option("--set", eval.sets, kSetHelp);

  InspectArgs inspect;
  auto* inspect_cmd =
      app.add_subcommand("inspect",
                         "One forward/backward pass on a training batch: per-layer activation and gradient "
                         "statistics, saturated sigmoid/tanh units, dead ReLUs (shows vanishing gradients)");
  inspect_cmd->add_option("config", inspect.config, "run configuration (TOML); none: the default MLP");
  inspect_cmd->add_option("--set", inspect.sets, kSetHelp);
  inspect_cmd->add_option("--run", inspect.run, "inspect the trained model of a run directory")
      ->option_text("RUN_DIR");

  CurveArgs curve;
  auto* curve_cmd =
      app.add_subcommand("curve",
                         "Learning curve: train at growing training-set sizes (same validation split), write "
                         "learning_curve.csv/.svg and diagnose high bias or high variance");
  curve_cmd->add_option("config", curve.config, "run configuration (TOML); none: the default MLP");
  curve_cmd->add_option("--set", curve.sets, kSetHelp);
  curve_cmd
      ->add_option("--sizes", curve.sizes,
                   "training-set sizes (default 1000,2000,5000,10000,20000,0; 0 = all)")
      ->delimiter(',')
      ->option_text("N,N,...");
  curve_cmd
      ->add_option("--run-dir", curve.run_dir, "write the curve here instead of <run.dir>/<run.name>_curve")
      ->option_text("DIR");
  curve_cmd->add_flag("--overwrite", curve.overwrite,
                      "replace a learning curve already in the run directory");

  BiasvarArgs biasvar;
  auto* biasvar_cmd = app.add_subcommand(
      "biasvar",
      "Bias-variance decomposition: train K models per [[variant]] on bootstrap resamples, decompose their "
      "test error (squared and 0-1 loss) and write biasvar.csv/.svg/.txt");
  biasvar_cmd->add_option("config", biasvar.config, "configuration, usually with [[variant]] tables");
  biasvar_cmd->add_option("--set", biasvar.sets, kSetHelp + std::string(" (applied to every variant)"));
  biasvar_cmd->add_option("--models", biasvar.models, "bootstrap models per variant (default 8)")
      ->option_text("K");
  biasvar_cmd->add_option("--run-dir", biasvar.run_dir, "write here instead of <run.dir>/<run.name>_biasvar")
      ->option_text("DIR");
  biasvar_cmd->add_flag("--overwrite", biasvar.overwrite,
                        "replace a bias-variance run already in the run directory");

  if (const std::string unknown = unknown_command(app, argc, argv); !unknown.empty()) {
    std::cerr << "keel: error: " << unknown << "\nRun `keel --help` for usage.\n";
    return 2;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "keel: error: " << e.what()
              << "\nRun `keel --help` (or `keel <command> --help`) for usage.\n";
    return 2;
  }

  try {
    // Only train and compare divide their work over ranks; the others would each run N times.
    if (!*train_cmd && !*compare_cmd && keel::dist::launched_by_mpi())
      throw keel::Error("`keel " + app.get_subcommands().front()->get_name() +
                        "` runs in one process: start it without mpirun (train and compare run on several "
                        "ranks)");
    if (*train_cmd) return run_train(train);
    if (*compare_cmd) return run_compare(compare);
    if (*eval_cmd) return run_eval(eval);
    if (*inspect_cmd) return run_inspect(inspect);
    if (*curve_cmd) return run_curve(curve);
    if (*biasvar_cmd) return run_biasvar(biasvar);
  } catch (const std::exception& e) {
    std::cout.flush();
    fail_job(e.what());
    return 1;
  }
  return 2;
}
