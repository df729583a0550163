// `keel eval` and `keel inspect`.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <thread>

#include "commands.h"
#include "keel/core/error.h"
#include "keel/core/threads.h"
#include "keel/io/checkpoint.h"
#include "keel/tensor/random.h"
#include "keel/train/evaluate.h"
#include "keel/train/inspect.h"
#include "keel/train/model_factory.h"
#include "keel/train/run_data.h"
#include "keel/train/state_dict_match.h"
#include "keel/train/trainer.h"

namespace keel::cli {

namespace fs = std::filesystem;

namespace {

void apply_threads(const train::Config& c) {
  const std::int64_t t = c.get_int("train.threads");
  set_num_threads(t > 0 ? static_cast<int>(t)
                        : static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
}

}  // namespace

int run_eval(const EvalArgs& args) {
  const fs::path target(args.target);
  KEEL_CHECK(fs::exists(target), "eval: '", args.target,
             "' does not exist (expected a run directory or a checkpoint)");
  std::string config_path = args.config, checkpoint = args.target;
  if (fs::is_directory(target)) {
    checkpoint = (target / train::kBestFile).string();
    KEEL_CHECK(fs::exists(checkpoint), "eval: ", args.target, " has no ", train::kBestFile,
               " (has the run finished an epoch?)");
    if (config_path.empty()) {
      config_path = (target / train::kConfigFile).string();
      KEEL_CHECK(fs::exists(config_path), "eval: ", args.target, " has no ", train::kConfigFile,
                 "; pass the model's configuration with --config");
    }
  } else {
    KEEL_CHECK(!config_path.empty(),
               "eval: a bare checkpoint needs --config CONFIG.toml (the configuration "
               "of the model it holds)");
  }
  train::Config c = train::Config::from_toml_file(config_path);
  for (const auto& s : args.sets) c.set(s);
  apply_threads(c);

  train::RunData data = train::load_test_data(c);
  KEEL_CHECK(data.test != nullptr, "eval: the configuration names no test set (data.csv_test)");
  auto model = train::build_model(c, data.in_features, data.classes);
  // keel's checkpoints and PyTorch's state_dicts of the equivalent Sequential alike.
  train::load_weights(checkpoint, *model);
  io::check_finite(model->state_dict(), checkpoint);
  auto loader = train::make_eval_loader(c, data.test);
  train::EvalResult r = train::evaluate(*model, *loader, data.classes);
  std::printf("checkpoint: %s\ntest accuracy: %.2f%% (%lld images, loss %.4f)\n\n", checkpoint.c_str(),
              r.accuracy * 100, static_cast<long long>(r.samples), r.loss);
  std::cout << train::format_per_class(r, data.class_names) << "\n"
            << train::format_confusion(r, data.class_names);
  return 0;
}

int run_inspect(const InspectArgs& in) {
  InspectArgs args = in;
  split_config_from_sets(args.config, args.sets);
  std::string config_path = args.config;
  if (!args.run.empty()) {
    KEEL_CHECK(config_path.empty(),
               "inspect: --run takes the configuration from the run directory; drop CONFIG");
    config_path = (fs::path(args.run) / train::kConfigFile).string();
    KEEL_CHECK(fs::exists(config_path), "inspect: ", args.run, " is not a run directory (no ",
               train::kConfigFile, ")");
  }
  train::Config c = config_path.empty() ? train::Config() : train::Config::from_toml_file(config_path);
  for (const auto& s : args.sets) c.set(s);
  apply_threads(c);

  train::RunData data = train::load_run_data(c);
  auto loader = train::make_train_loader(c, data.train);
  data::Batch batch = loader->batch(0, 0);
  manual_seed(static_cast<std::uint64_t>(c.get_int("train.seed")));
  auto model = train::build_model(c, data.in_features, data.classes);
  std::string weights = "initialization (model.init = " + c.get_string("model.init") + ")";
  if (!args.run.empty()) {
    fs::path best = fs::path(args.run) / train::kBestFile;
    KEEL_CHECK(fs::exists(best), "inspect: ", args.run, " has no ", train::kBestFile);
    io::load_checkpoint(best.string(), *model);
    weights = best.string();
  }
  std::cout << "model (weights: " << weights << "):\n" << *model << "\n";
  std::cout << "one training batch of " << batch.size() << " images, train mode:\n";
  std::cout << train::inspect_layers(*model, batch.data, batch.target).to_text();
  if (c.get_string("model.norm") != "none" && args.run.empty())
    std::cout << "note: model.norm = " << c.get_string("model.norm")
              << " renormalizes every hidden layer, which hides most of what the initialization does; "
                 "add --set model.norm=none to see the initialization alone\n";
  return 0;
}

}  // namespace keel::cli
