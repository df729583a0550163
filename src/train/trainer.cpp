#include "keel/train/trainer.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <thread>

#include "keel/autograd/grad_mode.h"
#include "keel/core/threads.h"
#include "keel/io/checkpoint.h"
#include "keel/nn/loss.h"
#include "keel/nn/penalty.h"
#include "keel/nn/utils/clip_grad.h"
#include "keel/optim/adagrad.h"
#include "keel/optim/adam.h"
#include "keel/optim/adamw.h"
#include "keel/optim/lr_scheduler.h"
#include "keel/optim/rmsprop.h"
#include "keel/optim/sgd.h"
#include "keel/tensor/random.h"
#include "keel/train/atomic_write.h"
#include "keel/train/curves.h"
#include "keel/train/early_stopping.h"
#include "keel/train/evaluate.h"
#include "keel/train/model_factory.h"
#include "keel/train/run_data.h"
#include "train/progress.h"

namespace keel::train {

namespace fs = std::filesystem;

namespace {

// Set by SIGINT (or request_stop) and polled after every step. A lock-free atomic is safe to
// store from a signal handler.
std::atomic<bool> g_stop_requested{false};

extern "C" void on_sigint(int) {
  g_stop_requested.store(true);
  std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C ends the process at once
}

class SigintScope {
 public:
  explicit SigintScope(bool install) : installed_(install) {
    if (installed_) previous_ = std::signal(SIGINT, on_sigint);
  }
  ~SigintScope() {
    if (installed_) std::signal(SIGINT, previous_);
  }
  SigintScope(const SigintScope&) = delete;
  SigintScope& operator=(const SigintScope&) = delete;

 private:
  bool installed_;
  void (*previous_)(int) = SIG_DFL;
};

// Doubles in metadata and summary.json: shortest text that reads back to the same bits.
std::string exact(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::string nonfinite_text(double v) { return std::isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf"); }

const std::string& meta(const io::Metadata& m, const std::string& key, const std::string& file) {
  auto it = m.find(key);
  KEEL_CHECK(it != m.end(), file, ": not a keel training state (no '", key, "' in its metadata)");
  return it->second;
}
double meta_double(const io::Metadata& m, const std::string& key, const std::string& file) {
  const std::string& s = meta(m, key, file);
  try {
    return std::stod(s);
  } catch (const std::exception&) {
    keel::detail::fail(file, ": metadata '", key, "' is not a number: '", s, "'");
  }
}
std::int64_t meta_int(const io::Metadata& m, const std::string& key, const std::string& file) {
  const std::string& s = meta(m, key, file);
  try {
    return std::stoll(s);
  } catch (const std::exception&) {
    keel::detail::fail(file, ": metadata '", key, "' is not an integer: '", s, "'");
  }
}
std::uint64_t meta_uint(const io::Metadata& m, const std::string& key, const std::string& file) {
  const std::string& s = meta(m, key, file);
  try {
    return std::stoull(s);
  } catch (const std::exception&) {
    keel::detail::fail(file, ": metadata '", key, "' is not an integer: '", s, "'");
  }
}

std::unique_ptr<optim::Optimizer> make_optimizer(const Config& c, std::vector<Tensor> params) {
  const std::string& name = c.get_string("optim.name");
  const double lr = c.get_double("optim.lr"), wd = c.get_double("optim.weight_decay");
  if (name == "sgd") {
    optim::SGDOptions o;
    o.lr = lr;
    o.momentum = c.get_double("optim.momentum");
    o.nesterov = c.get_bool("optim.nesterov");
    o.weight_decay = wd;
    KEEL_CHECK(!o.nesterov || o.momentum > 0, "optim.nesterov = true needs optim.momentum > 0");
    return std::make_unique<optim::SGD>(std::move(params), o);
  }
  if (name == "adam" || name == "adamw") {
    if (name == "adam") {
      optim::AdamOptions o;
      o.lr = lr;
      o.beta1 = c.get_double("optim.beta1");
      o.beta2 = c.get_double("optim.beta2");
      o.weight_decay = wd;
      return std::make_unique<optim::Adam>(std::move(params), o);
    }
    optim::AdamWOptions o;
    o.lr = lr;
    o.beta1 = c.get_double("optim.beta1");
    o.beta2 = c.get_double("optim.beta2");
    o.weight_decay = wd;
    return std::make_unique<optim::AdamW>(std::move(params), o);
  }
  if (name == "rmsprop") {
    optim::RMSpropOptions o;
    o.lr = lr;
    o.momentum = c.get_double("optim.momentum");
    o.weight_decay = wd;
    return std::make_unique<optim::RMSprop>(std::move(params), o);
  }
  optim::AdagradOptions o;
  o.lr = lr;
  o.weight_decay = wd;
  return std::make_unique<optim::Adagrad>(std::move(params), o);
}

// Null for optim.schedule = none. `onecycle` steps after every batch, the others per epoch.
std::unique_ptr<optim::LRScheduler> make_scheduler(const Config& c, optim::Optimizer& opt,
                                                   std::int64_t steps_per_epoch) {
  const std::string& kind = c.get_string("optim.schedule");
  const std::int64_t epochs = c.get_int("train.epochs");
  if (kind == "cosine") return std::make_unique<optim::CosineAnnealingLR>(opt, epochs);
  if (kind == "step")
    return std::make_unique<optim::StepLR>(opt, c.get_int("optim.step_size"), c.get_double("optim.gamma"));
  if (kind == "onecycle") {
    optim::OneCycleOptions o;
    o.cycle_momentum = opt.defaults().count("momentum") || opt.defaults().count("beta1");
    // Cycling SGD's momentum only makes sense when it uses momentum.
    if (c.get_string("optim.name") == "sgd" && c.get_double("optim.momentum") == 0) o.cycle_momentum = false;
    return std::make_unique<optim::OneCycleLR>(opt, c.get_double("optim.lr"), epochs * steps_per_epoch, o);
  }
  return nullptr;
}

Tensor penalty(const Config& c, const std::vector<Tensor>& weights) {
  const std::string& kind = c.get_string("reg.penalty");
  if (kind == "l1") return nn::l1_penalty(weights);
  if (kind == "l2") return nn::l2_penalty(weights);
  return nn::elastic_net_penalty(weights, c.get_double("reg.alpha"));
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char ch : s) {
    switch (ch) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(ch) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", ch);
          out += buf;
        } else {
          out += ch;
        }
    }
  }
  return out + "\"";
}
std::string json_number(double v) { return std::isfinite(v) ? exact(v) : "null"; }
std::string json_list(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + json_string(items[i]);
  return out + "]";
}

const char* status_name(TrainResult::Status s) {
  switch (s) {
    case TrainResult::Status::Completed:
      return "completed";
    case TrainResult::Status::Interrupted:
      return "interrupted";
    case TrainResult::Status::NonFinite:
      return "non-finite";
  }
  return "?";
}

void write_summary(const fs::path& path, const TrainResult& r) {
  std::ostringstream os;
  os << "{\n"
     << "  \"status\": " << json_string(status_name(r.status)) << ",\n"
     << "  \"epochs\": " << r.log.size() << ",\n"
     << "  \"best_epoch\": " << r.best_epoch << ",\n"
     << "  \"best_val_acc\": " << json_number(r.best_val_acc) << ",\n"
     << "  \"test_acc\": " << json_number(r.test_acc) << ",\n"
     << "  \"test_loss\": " << json_number(r.test_loss) << ",\n"
     << "  \"stopped_early\": " << (r.stopped_early ? "true" : "false") << ",\n"
     << "  \"verdict\": " << json_string(to_string(r.diagnosis.verdict)) << ",\n"
     << "  \"diagnosis\": " << json_string(r.diagnosis.summary) << ",\n"
     << "  \"evidence\": " << json_list(r.diagnosis.evidence) << ",\n"
     << "  \"remedies\": " << json_list(r.diagnosis.remedies) << ",\n"
     << "  \"gradient_warnings\": " << json_list(r.gradient_warnings) << ",\n"
     << "  \"message\": " << json_string(r.message) << "\n"
     << "}\n";
  write_text_file_atomic(path, os.str());
}

// Sums over the steps of one epoch (saved with a mid-epoch training state, so that a resumed
// epoch reports the same figures as an uninterrupted one).
struct EpochSums {
  double loss = 0, grad_norm = 0, seconds = 0;
  std::int64_t correct = 0, seen = 0, norms = 0;
};

// Run state kept in the training state's metadata.
constexpr const char* kEpochKey = "keel.trainer.epoch";  // 0-based epoch in progress
constexpr const char* kStepKey = "keel.trainer.step";    // its steps already done
constexpr const char* kGlobalStepKey = "keel.trainer.global_step";
constexpr const char* kSchedulerKey = "keel.trainer.scheduler_steps";
constexpr const char* kGenSeedKey = "keel.trainer.generator_seed";
constexpr const char* kGenOffsetKey = "keel.trainer.generator_offset";

}  // namespace

void Trainer::request_stop() { g_stop_requested.store(true); }

std::string default_run_dir(const Config& config, const std::string& fallback_name) {
  std::string name = config.get_string("run.name");
  if (name.empty()) name = fallback_name.empty() ? "default" : fallback_name;
  return (fs::path(config.get_string("run.dir")) / name).string();
}

Trainer::Trainer(Config config, TrainerOptions options)
    : config_(std::move(config)), options_(std::move(options)) {
  run_dir_ = options_.run_dir.empty() ? default_run_dir(config_) : options_.run_dir;
}

Trainer Trainer::resume(const std::string& run_dir, const std::vector<std::string>& overrides,
                        TrainerOptions options) {
  const fs::path dir(run_dir);
  KEEL_CHECK(fs::is_directory(dir), "--resume: '", run_dir, "' is not a run directory");
  KEEL_CHECK(fs::exists(dir / kStateFile), "--resume: '", run_dir, "' has no ", kStateFile,
             " (was it written by `keel train`?)");
  Config config = Config::from_toml_file((dir / kConfigFile).string());
  for (const auto& o : overrides) config.set(o);
  options.run_dir = run_dir;
  Trainer t(std::move(config), std::move(options));
  t.resuming_ = true;
  return t;
}

TrainResult Trainer::run() {
  std::ostream& out = options_.out ? *options_.out : std::cout;
  std::ostream& err = options_.err ? *options_.err : std::cerr;
  const bool bar =
      options_.progress == 1 || (options_.progress < 0 && &out == &std::cout && isatty(STDOUT_FILENO));
  detail::Progress progress(out, bar);
  const Config& c = config_;
  const fs::path dir(run_dir_);
  TrainResult result;
  result.run_dir = run_dir_;

  const std::int64_t threads = c.get_int("train.threads");
  set_num_threads(threads > 0 ? static_cast<int>(threads)
                              : static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));

  // The run directory first: an unwritable one fails before any data is read.
  try {
    fs::create_directories(dir);
  } catch (const fs::filesystem_error& e) {
    keel::detail::fail("cannot create the run directory '", run_dir_, "': ", e.code().message());
  }
  if (!resuming_) {
    for (const char* f : {kStateFile, kBestFile, kLastFile, kSummaryFile, kMetricsFile, kCurvesFile}) {
      std::error_code ec;
      fs::remove(dir / f, ec);
    }
  }
  write_text_file_atomic(dir / kConfigFile, c.to_toml());

  RunData data = load_run_data(c);
  auto train_loader = make_train_loader(c, data.train);
  auto val_loader = data.val ? make_eval_loader(c, data.val) : nullptr;
  const std::int64_t steps = train_loader->size();
  const int epochs = static_cast<int>(c.get_int("train.epochs"));
  KEEL_CHECK(steps > 0, "the training set is empty");

  const auto seed = static_cast<std::uint64_t>(c.get_int("train.seed"));
  manual_seed(seed);
  auto model = build_model(c, data.in_features, data.classes);
  const std::vector<Tensor> params = model->parameters();
  auto optimizer = make_optimizer(c, params);
  auto scheduler = make_scheduler(c, *optimizer, steps);
  const bool per_step_schedule = c.get_string("optim.schedule") == "onecycle";
  nn::CrossEntropyLossOptions loss_options;
  loss_options.label_smoothing = c.get_double("train.label_smoothing");
  nn::CrossEntropyLoss criterion(loss_options);
  const bool penalized = c.get_string("reg.penalty") != "none" && c.get_double("reg.lambda") > 0;
  const std::vector<Tensor> penalized_weights = nn::weights_only(*model);
  const double lambda = c.get_double("reg.lambda");
  const double clip = c.get_double("train.clip_grad_norm");
  const std::int64_t patience = c.get_int("train.early_stopping_patience");
  EarlyStopping stopper(patience > 0 ? patience : 1, 0.0, "max");

  int start_epoch = 0;
  std::int64_t start_step = 0, global_step = 0, scheduler_steps = 0;
  EpochSums sums;
  MetricsLog log;
  result.best_val_acc = -INFINITY;
  if (resuming_) {
    const std::string state = (dir / kStateFile).string();
    const io::Metadata m = io::read_safetensors_header(state).metadata;
    start_epoch = static_cast<int>(meta_int(m, kEpochKey, state));
    start_step = meta_int(m, kStepKey, state);
    global_step = meta_int(m, kGlobalStepKey, state);
    scheduler_steps = meta_int(m, kSchedulerKey, state);
    KEEL_CHECK(start_step >= 0 && start_step <= steps && start_epoch >= 0, state, ": epoch ", start_epoch,
               " step ", start_step, " does not fit ", steps,
               " steps per epoch (was the data or batch size changed?)");
    // The scheduler is recreated and fast-forwarded before the optimizer state is loaded, so
    // the loaded options (lr, momentum) are the ones the interrupted run had.
    if (scheduler)
      for (std::int64_t i = 0; i < scheduler_steps; ++i) scheduler->step();
    io::load_training_state(state, *model, *optimizer);
    KEEL_CHECK(meta_uint(m, kGenSeedKey, state) == seed, state,
               ": saved with train.seed = ", meta(m, kGenSeedKey, state), ", but the config says ", seed);
    default_generator().set_offset(meta_uint(m, kGenOffsetKey, state));
    sums.loss = meta_double(m, "keel.trainer.loss_sum", state);
    sums.grad_norm = meta_double(m, "keel.trainer.grad_norm_sum", state);
    sums.seconds = meta_double(m, "keel.trainer.seconds", state);
    sums.correct = meta_int(m, "keel.trainer.correct", state);
    sums.seen = meta_int(m, "keel.trainer.seen", state);
    sums.norms = meta_int(m, "keel.trainer.norms", state);
    if (fs::exists(dir / kMetricsFile)) log = MetricsLog::read_csv(dir / kMetricsFile);
    log.truncate_after(start_epoch);
    // Best epoch and early stopping follow from the logged validation accuracies.
    for (const EpochMetrics& row : log) {
      if (!data.val || row.val_acc > result.best_val_acc) {
        result.best_val_acc = row.val_acc;
        result.best_epoch = row.epoch;
      }
      stopper.step(row.val_acc);
    }
    out << "resuming " << run_dir_ << " at epoch " << start_epoch + 1 << ", step " << start_step << "/"
        << steps << "\n";
  }

  auto save_state = [&](int epoch, std::int64_t step, const EpochSums& s) {
    io::Metadata m = {
        {kEpochKey, std::to_string(epoch)},
        {kStepKey, std::to_string(step)},
        {kGlobalStepKey, std::to_string(global_step)},
        {kSchedulerKey, std::to_string(scheduler_steps)},
        {kGenSeedKey, std::to_string(seed)},
        {kGenOffsetKey, std::to_string(default_generator().offset())},
        {"keel.trainer.loss_sum", exact(s.loss)},
        {"keel.trainer.grad_norm_sum", exact(s.grad_norm)},
        {"keel.trainer.seconds", exact(s.seconds)},
        {"keel.trainer.correct", std::to_string(s.correct)},
        {"keel.trainer.seen", std::to_string(s.seen)},
        {"keel.trainer.norms", std::to_string(s.norms)},
    };
    io::save_training_state((dir / kStateFile).string(), *model, *optimizer, m);
  };

  g_stop_requested.store(false);
  SigintScope sigint(options_.handle_sigint);
  std::int64_t steps_this_call = 0;
  bool stop = false, stop_pending = false;
  out << "training " << run_dir_ << ": " << data.train->size() << " training images, "
      << (data.val ? data.val->size() : 0) << " validation, " << steps << " steps per epoch, " << epochs
      << " epochs\n";

  for (int epoch = start_epoch; epoch < epochs && !stop; ++epoch) {
    model->train();
    const auto t0 = std::chrono::steady_clock::now();
    std::int64_t i = epoch == start_epoch ? start_step : 0;
    if (i == 0) sums = EpochSums{};
    const double seconds_before = sums.seconds;
    const bool partial = i > 0;
    double last_lr = optimizer->param_groups()[0].lr();
    progress.begin_epoch(epoch + 1, epochs, steps, i);
    data::DataLoader::Iterator it;
    if (!partial) {
      train_loader->set_epoch(epoch);
      it = train_loader->begin();
    }
    std::int64_t samples_now = 0;
    for (; i < steps; ++i) {
      data::Batch b;
      if (partial) {
        b = train_loader->batch(epoch, i);
      } else {
        if (i > 0) ++it;  // advanced lazily, so stopping never waits for a batch it won't use
        b = *it;
      }
      optimizer->zero_grad(/*set_to_none=*/true);
      Tensor logits = (*model)(b.data);
      Tensor loss = criterion(logits, b.target);
      const double loss_value = loss.item();
      std::string bad;
      double grad_norm = NAN;
      if (std::isfinite(loss_value)) {
        Tensor total = penalized ? loss + penalty(c, penalized_weights) * lambda : loss;
        total.backward();
        grad_norm = nn::utils::clip_grad_norm_(params, clip > 0 ? clip : INFINITY).item();
        if (!std::isfinite(grad_norm)) bad = "non-finite gradient norm (" + nonfinite_text(grad_norm) + ")";
      } else {
        bad = "non-finite loss (" + nonfinite_text(loss_value) + ")";
      }
      if (!bad.empty()) {
        progress.interrupt();
        std::ostringstream msg;
        msg << bad << " at epoch " << epoch + 1 << ", step " << i + 1 << "/" << steps << " (lr "
            << optimizer->param_groups()[0].lr() << "); training stopped. ";
        if (fs::exists(dir / kLastFile)) {
          msg << "The last good checkpoint (epoch " << epoch << ") is kept in " << (dir / kLastFile).string()
              << ". ";
        } else {
          msg << "No epoch completed, so there is no checkpoint. ";
        }
        msg << "Try a smaller optim.lr, or gradient clipping (train.clip_grad_norm).";
        result.status = TrainResult::Status::NonFinite;
        result.exit_code = 1;
        result.message = msg.str();
        stop = true;
        break;
      }
      last_lr = optimizer->param_groups()[0].lr();
      optimizer->step();
      if (scheduler && per_step_schedule) {
        scheduler->step();
        ++scheduler_steps;
      }
      ++global_step;
      ++steps_this_call;
      {
        NoGradGuard no_grad;
        sums.correct += static_cast<std::int64_t>(logits.argmax(1).eq(b.target).sum().item());
      }
      sums.loss += loss_value * static_cast<double>(b.size());
      sums.seen += b.size();
      sums.grad_norm += grad_norm;
      ++sums.norms;
      samples_now += b.size();
      progress.update(i + 1, sums.loss / static_cast<double>(sums.seen),
                      static_cast<double>(sums.correct) / static_cast<double>(sums.seen), samples_now);
      if (g_stop_requested.load() ||
          (options_.stop_after_steps > 0 && steps_this_call == options_.stop_after_steps))
        stop_pending = true;
      if (stop_pending && i + 1 < steps) {
        sums.seconds =
            seconds_before + std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        progress.interrupt();
        save_state(epoch, i + 1, sums);
        io::save_checkpoint((dir / kLastFile).string(), *model);
        result.status = TrainResult::Status::Interrupted;
        result.exit_code = 130;
        result.message = "interrupted at epoch " + std::to_string(epoch + 1) + ", step " +
                         std::to_string(i + 1) + "/" + std::to_string(steps) +
                         "; the training state is saved in " + (dir / kStateFile).string() +
                         ". Resume with: keel train --resume " + run_dir_;
        stop = true;
        break;
      }
    }
    if (stop) break;

    // End of the epoch: validation, schedule, checkpoints, metrics.
    EpochMetrics m;
    m.epoch = epoch + 1;
    m.train_loss = sums.loss / static_cast<double>(sums.seen);
    m.train_acc = static_cast<double>(sums.correct) / static_cast<double>(sums.seen);
    if (val_loader) {
      EvalResult v = evaluate(*model, *val_loader, data.classes);
      m.val_loss = v.loss;
      m.val_acc = v.accuracy;
    }
    m.lr = last_lr;
    m.grad_norm = sums.norms ? sums.grad_norm / static_cast<double>(sums.norms) : NAN;
    if (scheduler && !per_step_schedule) {
      scheduler->step();
      ++scheduler_steps;
    }
    m.seconds = seconds_before + std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    log.push_back(m);

    const bool best = !val_loader || m.val_acc > result.best_val_acc;
    if (best) {
      result.best_val_acc = m.val_acc;
      result.best_epoch = m.epoch;
      io::save_checkpoint((dir / kBestFile).string(), *model, {{"epoch", std::to_string(m.epoch)}});
    }
    io::save_checkpoint((dir / kLastFile).string(), *model, {{"epoch", std::to_string(m.epoch)}});
    save_state(epoch + 1, 0, EpochSums{});
    log.write_csv(dir / kMetricsFile);
    write_text_file_atomic(dir / kCurvesFile,
                           learning_curves_svg({{fs::path(run_dir_).filename().string(), log}}));
    progress.end_epoch(m, best && val_loader);
    // Epoch-mean norms: per-step norms swing by 10x near convergence and would warn on noise.
    // A warning is printed when its range of epochs starts; the summary lists the whole ranges.
    for (const auto& w : gradient_warnings(log))
      if (w.first_epoch == m.epoch) err << "keel: warning: " << w.message << "\n";

    if (patience > 0 && val_loader && stopper.step(m.val_acc)) {
      out << "early stopping: no validation improvement for " << patience << " epochs (best: epoch "
          << result.best_epoch << ")\n";
      result.stopped_early = true;
      stop = true;
    }
    if ((stop_pending || g_stop_requested.load()) && !stop && epoch + 1 < epochs) {
      result.status = TrainResult::Status::Interrupted;
      result.exit_code = 130;
      result.message = "interrupted after epoch " + std::to_string(epoch + 1) +
                       "; the training state is saved in " + (dir / kStateFile).string() +
                       ". Resume with: keel train --resume " + run_dir_;
      stop = true;
    }
  }
  result.log = log;
  if (result.best_epoch < 0) result.best_val_acc = NAN;

  if (result.status == TrainResult::Status::Completed) {
    if (options_.evaluate_test && data.test && fs::exists(dir / kBestFile)) {
      io::load_checkpoint((dir / kBestFile).string(), *model);
      auto test_loader = make_eval_loader(c, data.test);
      EvalResult t = evaluate(*model, *test_loader, data.classes);
      result.test_acc = t.accuracy;
      result.test_loss = t.loss;
      out << "test accuracy " << std::fixed;
      out.precision(2);
      out << t.accuracy * 100 << "% (loss ";
      out.precision(4);
      out << t.loss << ") with the weights of epoch " << result.best_epoch << "\n";
      out.unsetf(std::ios::floatfield);
      out.precision(6);
    }
    DiagnosisOptions dopt;
    dopt.num_classes = static_cast<int>(data.classes);
    result.diagnosis = diagnose(log, dopt);
    out << result.diagnosis.to_text();
    for (const auto& w : gradient_warnings(log)) result.gradient_warnings.push_back(w.message);
    if (!result.gradient_warnings.empty()) {
      out << "Gradient warnings:\n";
      for (const auto& w : result.gradient_warnings) out << "  - " << w << "\n";
    }
  }
  write_summary(dir / kSummaryFile, result);
  return result;
}

}  // namespace keel::train
