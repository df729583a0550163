// `keel biasvar`: K bootstrap models per variant, their test probabilities, the decomposition.
#include "keel/train/bias_variance_run.h"

#include <chrono>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>

#include "keel/autograd/grad_mode.h"
#include "keel/core/error.h"
#include "keel/dist/process_group.h"
#include "keel/tensor/random.h"
#include "keel/train/atomic_write.h"
#include "keel/train/model_factory.h"
#include "keel/train/run_data.h"
#include "keel/train/state_dict_match.h"
#include "keel/train/trainer.h"
#include "keel/train/variants.h"
#include "train/run_dir.h"

namespace keel::train {

namespace fs = std::filesystem;

namespace {

constexpr const char* kCsv = "biasvar.csv";
constexpr const char* kSvg = "biasvar.svg";
constexpr const char* kText = "biasvar.txt";

std::string model_dir_name(int k) { return "model_" + std::to_string(k); }

// One trained model's outcome: what rank 0 needs, in a byte string for allgather_bytes.
struct ModelOutcome {
  std::int64_t job = 0;  // variant * K + k
  double seconds = 0;
  bool diverged = false;
  std::vector<float> probabilities;  // test points x classes
};

template <typename T>
void put(std::string& out, const T& v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}
template <typename T>
T take(const std::string& in, std::size_t& pos) {
  KEEL_CHECK(pos + sizeof(T) <= in.size(), "keel biasvar: a gathered result is truncated");
  T v;
  std::memcpy(&v, in.data() + pos, sizeof v);
  pos += sizeof v;
  return v;
}

std::string encode(const std::vector<ModelOutcome>& outcomes) {
  std::string out;
  for (const auto& o : outcomes) {
    put(out, o.job);
    put(out, o.seconds);
    put(out, static_cast<std::int32_t>(o.diverged));
    put(out, static_cast<std::int64_t>(o.probabilities.size()));
    out.append(reinterpret_cast<const char*>(o.probabilities.data()), o.probabilities.size() * sizeof(float));
  }
  return out;
}

void decode(const std::string& in, std::vector<ModelOutcome>& outcomes) {
  std::size_t pos = 0;
  while (pos < in.size()) {
    ModelOutcome o;
    o.job = take<std::int64_t>(in, pos);
    o.seconds = take<double>(in, pos);
    o.diverged = take<std::int32_t>(in, pos) != 0;
    const auto count = take<std::int64_t>(in, pos);
    KEEL_CHECK(count >= 0 && pos + static_cast<std::size_t>(count) * sizeof(float) <= in.size(),
               "keel biasvar: a gathered result is truncated");
    o.probabilities.resize(static_cast<std::size_t>(count));
    std::memcpy(o.probabilities.data(), in.data() + pos, o.probabilities.size() * sizeof(float));
    pos += o.probabilities.size() * sizeof(float);
    KEEL_CHECK(o.job >= 0 && o.job < static_cast<std::int64_t>(outcomes.size()),
               "keel biasvar: a gathered result names model ", o.job, " of ", outcomes.size());
    outcomes[static_cast<std::size_t>(o.job)] = std::move(o);
  }
}

// Softmax of the model's logits over the test set, in the loader's (unshuffled) order.
std::vector<float> test_probabilities(const Config& c, const RunData& data, const std::string& weights) {
  auto model = build_model(c, data.in_features, data.classes);
  load_weights(weights, *model);
  model->eval();
  NoGradGuard no_grad;
  std::vector<float> out;
  auto loader = make_eval_loader(c, data.test);
  for (const data::Batch& b : *loader) {
    const Tensor p = model->forward(b.data).softmax(1).to(kFloat32).contiguous();
    out.insert(out.end(), p.data_ptr<float>(), p.data_ptr<float>() + p.numel());
  }
  return out;
}

std::vector<std::int64_t> test_labels(const Config& c, const RunData& data) {
  std::vector<std::int64_t> out;
  auto loader = make_eval_loader(c, data.test);
  for (const data::Batch& b : *loader) {
    const Tensor t = b.target.contiguous();
    out.insert(out.end(), t.data_ptr<std::int64_t>(), t.data_ptr<std::int64_t>() + t.numel());
  }
  return out;
}

}  // namespace

std::vector<std::int64_t> bootstrap_indices(std::int64_t n, std::uint64_t seed, int k) {
  KEEL_CHECK(n > 0, "bootstrap: the training set is empty");
  Generator gen(seed + static_cast<std::uint64_t>(k));
  const Tensor idx = randint(0, n, {n}, kInt64, &gen);
  return std::vector<std::int64_t>(idx.data_ptr<std::int64_t>(), idx.data_ptr<std::int64_t>() + n);
}

BiasVarianceResult run_bias_variance(const Config& config, const BiasVarianceOptions& o) {
  std::ostream& out = o.out ? *o.out : std::cout;
  std::ostream& err = o.err ? *o.err : std::cerr;
  const std::shared_ptr<dist::ProcessGroup> group = o.group ? o.group : dist::world();
  const int rank = group->rank(), ranks = group->size();
  KEEL_CHECK(o.models >= 2, "--models: the variance needs at least 2 models per variant, got ", o.models);

  BiasVarianceResult result;
  result.run_dir = o.run_dir.empty() ? default_run_dir(config) : o.run_dir;
  const fs::path root(result.run_dir);

  // The variants (or the base alone), every override checked before anything trains.
  std::vector<ResolvedVariant> variants = resolve_variants(config, o.source);
  if (variants.empty()) variants.push_back({"base", "base configuration", config});
  for (auto& v : variants) v.config.set_value("data.val_fraction", "0", "keel biasvar");

  // Every variant's data and model are checked now, not when its first model starts.
  std::vector<RunData> data;
  for (const auto& v : variants) {
    data.push_back(load_run_data(v.config));
    KEEL_CHECK(data.back().test, o.source, ": variant '", v.name,
               "' has no test set to decompose the error on (a CSV data set needs data.csv_test)");
    KEEL_CHECK(
        data.back().test->size() == data.front().test->size() && data.back().classes == data.front().classes,
        o.source, ": variant '", v.name, "' changes the test set; the variants must share it");
    build_model(v.config, data.back().in_features, data.back().classes);
  }
  const std::vector<std::int64_t> labels = test_labels(variants.front().config, data.front());

  if (!o.overwrite) {
    for (const char* f : {kCsv, kSvg, kText})
      KEEL_CHECK(!fs::exists(root / f), "'", result.run_dir, "' already holds a bias-variance result (", f,
                 "); pass --overwrite to replace it, or choose another --run-dir");
    for (const auto& v : variants)
      for (int k = 0; k < o.models; ++k) {
        const fs::path dir = root / v.name / model_dir_name(k);
        KEEL_CHECK(!detail::holds_run_outputs(dir), "'", dir.string(),
                   "' already holds a run; pass --overwrite to replace it, or choose another --run-dir");
      }
  }
  // No rank may start (and create model directories) before every rank has checked.
  group->barrier();

  const std::int64_t jobs = static_cast<std::int64_t>(variants.size()) * o.models;
  std::vector<ModelOutcome> mine;
  try {
    for (std::int64_t j = rank; j < jobs; j += ranks) {
      const std::size_t vi = static_cast<std::size_t>(j / o.models);
      const int k = static_cast<int>(j % o.models);
      const ResolvedVariant& v = variants[vi];
      out << "\n== variant " << vi + 1 << "/" << variants.size() << " " << v.name << " (" << v.description
          << "), model " << k + 1 << "/" << o.models << (ranks > 1 ? " on rank " + std::to_string(rank) : "")
          << "\n";
      Config c = v.config;
      const auto seed = static_cast<std::uint64_t>(c.get_int("train.seed"));
      c.set_value("train.seed", std::to_string(seed + static_cast<std::uint64_t>(k)), "keel biasvar");
      TrainerOptions t;
      t.run_dir = (root / v.name / model_dir_name(k)).string();
      t.out = &out;
      t.err = &err;
      t.progress = o.progress;
      t.handle_sigint = o.handle_sigint;
      t.overwrite = o.overwrite;
      t.evaluate_test = false;  // the decomposition evaluates the last weights itself
      t.train_indices = bootstrap_indices(static_cast<std::int64_t>(data[vi].train->size()), seed, k);
      const auto start = std::chrono::steady_clock::now();
      TrainResult r = Trainer(c, t).run();
      ModelOutcome m;
      m.job = j;
      m.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (r.status == TrainResult::Status::Interrupted) {
        err << "keel: " << r.message << "\n";
        if (ranks > 1) group->abort(r.exit_code);
        result.exit_code = r.exit_code;
        return result;
      }
      if (r.status == TrainResult::Status::NonFinite) {
        err << "keel: warning: variant " << v.name << ", model " << k << ": " << r.message << "\n";
        m.diverged = true;
      } else {
        m.probabilities = test_probabilities(c, data[vi], (fs::path(t.run_dir) / kLastFile).string());
      }
      mine.push_back(std::move(m));
    }
  } catch (const std::exception& e) {
    // A rank that failed ends the others rather than leave them waiting in the gather.
    if (ranks > 1) {
      err << "keel: error: rank " << rank << ": " << e.what() << "\n";
      group->abort(1);
    }
    throw;
  }

  std::vector<ModelOutcome> all(static_cast<std::size_t>(jobs));
  for (const std::string& bytes : group->allgather_bytes(encode(mine))) decode(bytes, all);
  if (rank != 0) return result;

  const auto n = static_cast<std::int64_t>(labels.size());
  const std::int64_t classes = data.front().classes;
  for (std::size_t vi = 0; vi < variants.size(); ++vi) {
    std::vector<double> probs;
    double seconds = 0;
    bool diverged = false;
    for (int k = 0; k < o.models; ++k) {
      const ModelOutcome& m = all[vi * static_cast<std::size_t>(o.models) + static_cast<std::size_t>(k)];
      seconds += m.seconds;
      diverged = diverged || m.diverged;
      if (m.diverged) continue;
      KEEL_CHECK(static_cast<std::int64_t>(m.probabilities.size()) == n * classes, "keel biasvar: model ", k,
                 " of variant '", variants[vi].name, "' gave ", m.probabilities.size(),
                 " probabilities, expected ", n * classes);
      probs.insert(probs.end(), m.probabilities.begin(), m.probabilities.end());
    }
    BiasVarianceRow row =
        diverged ? diverged_row(variants[vi].name, variants[vi].description, o.models)
                 : BiasVarianceRow{variants[vi].name, variants[vi].description, false,
                                   decompose_bias_variance(probs, o.models, n, classes, labels), 0};
    row.train_seconds = seconds;
    result.rows.push_back(std::move(row));
  }

  result.summary = "bias-variance decomposition: " + std::to_string(o.models) +
                   " bootstrap models per variant, " + std::to_string(n) + " test samples\n" +
                   bias_variance_summary(result.rows);
  try {
    fs::create_directories(root);
  } catch (const fs::filesystem_error& e) {
    keel::detail::fail("cannot create the run directory '", result.run_dir, "': ", e.code().message());
  }
  write_text_file_atomic(root / kCsv, bias_variance_csv(result.rows));
  write_text_file_atomic(root / kSvg,
                         bias_variance_svg(result.rows, "Bias and variance: " + root.filename().string()));
  write_text_file_atomic(root / kText, result.summary);
  out << "\n"
      << result.summary << "files: " << (root / kCsv).string() << ", " << (root / kSvg).string() << ", "
      << (root / kText).string() << "\n";
  return result;
}

}  // namespace keel::train
