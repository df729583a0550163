// `keel train` and `keel compare`.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>

#include "commands.h"
#include "keel/core/error.h"
#include "keel/dist/process_group.h"
#include "keel/io/safetensors.h"
#include "keel/train/atomic_write.h"
#include "keel/train/claim.h"
#include "keel/train/model_factory.h"
#include "keel/train/report.h"
#include "keel/train/trainer.h"
#include "keel/train/variants.h"
#include "variant_outcome.h"

namespace keel::cli {

namespace fs = std::filesystem;

void split_config_from_sets(std::string& config, std::vector<std::string>& sets) {
  std::vector<std::string> kept;
  for (auto& s : sets) {
    if (config.empty() && s.find('=') == std::string::npos && fs::path(s).extension() == ".toml") {
      config = s;
    } else {
      kept.push_back(s);
    }
  }
  sets = std::move(kept);
}

train::Config load_config(const std::string& path, const std::vector<std::string>& sets) {
  train::Config c = path.empty() ? train::Config() : train::Config::from_toml_file(path);
  for (const auto& s : sets) c.set(s);
  return c;
}

std::string suffixed_run_dir(const train::Config& config, const std::string& config_path,
                             const std::string& suffix) {
  std::string name = config.get_string("run.name");
  if (name.empty()) name = config_path.empty() ? "default" : fs::path(config_path).stem().string();
  return (fs::path(config.get_string("run.dir")) / (name + suffix)).string();
}

namespace {

std::string stem(const std::string& path) { return path.empty() ? "" : fs::path(path).stem().string(); }

// Fraction of the Linear/Conv weights (tensors named "*.weight" with 2 or more dims) with
// |w| < 1e-3 in a checkpoint: what an L1 penalty drives towards zero.
double near_zero_share(const std::string& checkpoint) {
  auto contents = io::load_safetensors(checkpoint);
  std::int64_t total = 0, small = 0;
  for (const auto& [name, t] : contents.tensors) {
    if (t.dim() < 2 || name.size() < 7 || name.compare(name.size() - 7, 7, ".weight") != 0) continue;
    total += t.numel();
    small += static_cast<std::int64_t>(t.abs().lt(1e-3).sum().item());
  }
  return total ? static_cast<double>(small) / static_cast<double>(total) : NAN;
}

std::string pct(double v) {
  if (std::isnan(v)) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f%%", v * 100);
  return buf;
}

}  // namespace

int run_train(TrainArgs args) {
  if (args.help_config) {
    std::cout << "Config keys (TOML sections [run], [data], [model], [optim], [reg], [train]; or --set "
                 "key=value):\n"
              << train::Config::describe();
    return 0;
  }
  split_config_from_sets(args.config, args.sets);
  train::TrainerOptions options;
  options.run_dir = args.run_dir;
  options.overwrite = args.overwrite;
  // Under `mpirun -np N` every rank trains its shard data-parallel; rank 0 alone prints.
  options.group = dist::world();
  const bool leader = options.group->rank() == 0;
  if (!args.resume.empty()) {
    KEEL_CHECK(!args.overwrite, "--resume continues the run in ", args.resume,
               "; --overwrite starts a new one there: choose one");
    KEEL_CHECK(args.config.empty(), "--resume continues with the configuration saved in ", args.resume,
               "/config.toml; drop the CONFIG argument (use --set to change a key such as train.epochs)");
    KEEL_CHECK(args.run_dir.empty() || fs::path(args.run_dir) == fs::path(args.resume),
               "--resume RUN_DIR and --run-dir name different directories");
    train::Trainer trainer = train::Trainer::resume(args.resume, args.sets, options);
    auto r = trainer.run();
    if (leader && r.status != train::TrainResult::Status::Completed)
      std::cerr << (r.status == train::TrainResult::Status::NonFinite ? "keel: error: " : "keel: ")
                << r.message << "\n";
    return r.exit_code;
  }
  train::Config config = load_config(args.config, args.sets);
  if (leader && !config.variants().empty())
    std::cerr << "keel: note: " << args.config << " has [[variant]] tables, which `keel train` ignores; "
              << "`keel compare " << args.config << "` trains them\n";
  if (options.run_dir.empty()) options.run_dir = train::default_run_dir(config, stem(args.config));
  train::Trainer trainer(config, options);
  auto r = trainer.run();
  if (!leader) return r.exit_code;
  if (r.status != train::TrainResult::Status::Completed)
    std::cerr << (r.status == train::TrainResult::Status::NonFinite ? "keel: error: " : "keel: ") << r.message
              << "\n";
  else
    std::cout << "run directory: " << r.run_dir << "\n";
  return r.exit_code;
}

int run_compare(CompareArgs args) {
  train::Config base = load_config(args.config, args.sets);
  const auto& variants = base.variants();
  KEEL_CHECK(!variants.empty(), args.config,
             ": no [[variant]] tables; `keel compare` trains each variant (see configs/compare_*.toml)");
  const fs::path root = train::default_run_dir(base, stem(args.config));
  // Under `mpirun -np N`, variant i trains on rank i mod N (alone, in that one process); rank 0
  // gathers the results and writes the report and the table.
  const auto group = dist::world();
  const int rank = group->rank(), ranks = group->size();
  try {
    fs::create_directories(root);
  } catch (const fs::filesystem_error& e) {
    detail::fail("cannot create the run directory '", root.string(), "': ", e.code().message());
  }
  // Every variant's overrides are applied (and checked) before the first one trains.
  const std::vector<train::ResolvedVariant> resolved = train::resolve_variants(base, args.config);

  for (const auto& v : resolved) {
    // A model the variant cannot build (model.norm = instance in an MLP) fails here, not after the
    // variants before it have trained.
    if (v.config.get_string("data.dataset") == "fashion-mnist")
      (void)train::build_model(v.config, 28 * 28, 10);
  }
  std::optional<train::Claim> claim;
  if (!args.config.empty()) claim = train::read_claim_file(args.config);
  if (claim) {
    std::vector<std::string> names;
    for (const auto& v : variants) names.push_back(v.name);
    train::check_claim_variants(*claim, names);
  }

  std::ostream silent(nullptr);  // the other ranks' progress (only rank 0 prints)
  std::ostream& out = rank == 0 ? std::cout : silent;
  if (ranks > 1)
    out << "training " << variants.size() << " variants on " << ranks << " ranks (variant i on rank i mod "
        << ranks << "); rank 0 shows its own\n";
  std::vector<VariantOutcome> mine;
  for (std::size_t i = static_cast<std::size_t>(rank); i < variants.size();
       i += static_cast<std::size_t>(ranks)) {
    const auto& v = resolved[i];
    const bool has_overrides = !variants[i].overrides.empty();
    out << "\n== variant " << i + 1 << "/" << variants.size() << ": " << v.name
        << (has_overrides ? " (" + v.description + ")" : "") << "\n";
    train::TrainerOptions options;
    options.run_dir = (root / v.name).string();
    options.overwrite = args.overwrite;
    if (rank != 0) options.out = &silent;
    train::Trainer trainer(v.config, options);
    auto r = trainer.run();
    VariantOutcome outcome;
    outcome.index = i;
    if (r.status == train::TrainResult::Status::Interrupted) {
      outcome.interrupted = true;
      outcome.exit_code = r.exit_code;
      outcome.message = r.message;
      mine.push_back(std::move(outcome));
      break;  // no further variant starts
    }
    train::VariantResult& vr = outcome.result;
    vr.name = v.name;
    vr.log = r.log;
    vr.description = v.description;
    if (r.status == train::TrainResult::Status::NonFinite) {
      std::cerr << "keel: warning: variant " << v.name << ": " << r.message << "\n";
      train::Diagnosis d;
      d.summary = "diverged: " + r.message;
      vr.diagnosis = d;
      vr.stopped_nonfinite = r.log.empty() ? 1 : r.log.back().epoch + 1;  // the trainer logs no partial epoch
    } else {
      vr.diagnosis = r.diagnosis;
    }
    const fs::path best = root / v.name / train::kBestFile;
    if (fs::exists(best)) vr.near_zero_weight_share = near_zero_share(best.string());
    outcome.test_acc = r.test_acc;
    mine.push_back(std::move(outcome));
  }

  // Every rank's outcomes, in variant order.
  std::vector<VariantOutcome> all;
  if (ranks == 1) {
    all = std::move(mine);
  } else {
    for (const std::string& bytes : group->allgather_bytes(encode(mine)))
      for (VariantOutcome& o : decode(bytes)) all.push_back(std::move(o));
    std::sort(all.begin(), all.end(),
              [](const VariantOutcome& a, const VariantOutcome& b) { return a.index < b.index; });
  }
  for (const VariantOutcome& o : all)
    if (o.interrupted) {
      if (rank == 0) std::cerr << "keel: " << o.message << "\n";
      return o.exit_code;
    }
  if (rank != 0) return 0;
  std::vector<train::VariantResult> results;
  std::vector<double> test_accs;
  for (VariantOutcome& o : all) {
    results.push_back(std::move(o.result));
    test_accs.push_back(o.test_acc);
  }
  std::vector<train::ClaimRun> claim_runs;  // what the [claim] table judges, from every rank's variants
  for (std::size_t i = 0; i < results.size(); ++i)
    claim_runs.push_back(
        {results[i].name, results[i].log, test_accs[i], results[i].stopped_nonfinite.has_value()});

  std::optional<train::ClaimReport> judged;
  if (claim) judged = train::ClaimReport{claim->statement, train::evaluate_claim(*claim, claim_runs)};
  const fs::path report = root / "report.html";
  train::write_text_file_atomic(
      report, train::compare_report_html(root.filename().string(), results, judged ? &*judged : nullptr));

  int name_width = 14;  // the table stays aligned with longer variant names
  for (const auto& vr : results) name_width = std::max(name_width, static_cast<int>(vr.name.size()));
  std::printf("\n%-*s %9s %5s %9s %9s %8s %9s %9s  %s\n", name_width, "variant", "best val", "epoch",
              "final trn", "final val", "gap", "near-0 w", "test acc", "verdict");
  for (std::size_t i = 0; i < results.size(); ++i) {
    const auto& vr = results[i];
    const train::RunSummary s = train::summarize(vr.log);
    std::printf("%-*s %9s %5d %9s %9s %8s %9s %9s  %s\n", name_width, vr.name.c_str(),
                pct(s.best_val_acc).c_str(), s.best_val_acc_epoch, pct(s.final_train_acc).c_str(),
                pct(s.final_val_acc).c_str(), pct(s.final_acc_gap).c_str(),
                vr.near_zero_weight_share ? pct(*vr.near_zero_weight_share).c_str() : "-",
                pct(test_accs[i]).c_str(), vr.diagnosis ? train::to_string(vr.diagnosis->verdict) : "-");
  }
  std::printf("\nreport: %s\n", report.string().c_str());
  if (judged) {
    std::printf("\nclaim: %s\n", judged->statement.c_str());
    for (std::size_t i = 0; i < judged->verdict.checks.size(); ++i)
      std::printf("  %s %s\n", judged->verdict.held[i] ? "[holds]" : "[fails]",
                  judged->verdict.checks[i].c_str());
    std::printf("%s\n", judged->verdict.line().c_str());
  }
  return 0;
}

}  // namespace keel::cli
