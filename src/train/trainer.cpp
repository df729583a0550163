#include "keel/train/trainer.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <thread>

#include "keel/autograd/grad_mode.h"
#include "keel/core/allocator.h"
#include "keel/core/threads.h"
#include "keel/dist/process_group.h"
#include "keel/io/check_finite.h"
#include "keel/io/checkpoint.h"
#include "keel/nn/loss.h"
#include "keel/nn/parallel/distributed.h"
#include "keel/nn/penalty.h"
#include "keel/nn/sync_batch_norm.h"
#include "keel/nn/utils/clip_grad.h"
#include "keel/tensor/factories.h"
#include "keel/tensor/random.h"
#include "keel/train/curves.h"
#include "keel/train/early_stopping.h"
#include "keel/train/evaluate.h"
#include "keel/train/model_factory.h"
#include "keel/train/run_data.h"
#include "train/optimizer_setup.h"
#include "train/progress.h"
#include "train/run_dir.h"
#include "train/run_state.h"
#include "train/summary.h"

namespace keel::train {

namespace fs = std::filesystem;

namespace {

using detail::EpochSums;
using detail::RunPosition;

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

std::string nonfinite_text(double v) { return std::isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf"); }

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Metadata of a data-parallel run's training state: the rank count and every rank's default
// generator offset (comma-separated, in rank order), so that a resume on as many ranks
// continues each rank's dropout stream bit-exactly.
constexpr const char* kWorldSizeKey = "keel.dist.world_size";
constexpr const char* kGeneratorOffsetsKey = "keel.dist.generator_offsets";

std::vector<std::uint64_t> parse_offsets(const std::string& text, const std::string& file) {
  std::vector<std::uint64_t> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = std::min(text.find(',', start), text.size());
    const std::string word = text.substr(start, end - start);
    std::size_t used = 0;
    std::uint64_t v = 0;
    try {
      v = std::stoull(word, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    KEEL_CHECK(!word.empty() && used == word.size(), file, ": metadata ", kGeneratorOffsetsKey,
               " is not a list of counts: '", text, "'");
    out.push_back(v);
    start = end + 1;
  }
  return out;
}

// One call of Trainer::run(): the loaded data, the model and optimizer, where the run stands,
// and the run directory. Each step of the loop is a member function.
class RunSession {
 public:
  RunSession(const Config& config, const TrainerOptions& options, const std::string& run_dir, bool resuming)
      : c_(config),
        options_(options),
        group_(options.group ? options.group : dist::local_group()),
        rank_(group_->rank()),
        ranks_(group_->size()),
        leader_(rank_ == 0),
        out_(!leader_      ? silent_
             : options.out ? *options.out
                           : std::cout),
        err_(!leader_      ? silent_
             : options.err ? *options.err
                           : std::cerr),
        progress_(out_, options.progress == 1 ||
                            (options.progress < 0 && &out_ == &std::cout && isatty(STDOUT_FILENO))),
        dir_(run_dir),
        files_(run_dir, options.after_write, leader_),
        resuming_(resuming) {
    result_.run_dir = run_dir;
  }

  TrainResult run() {
    open();
    if (resuming_) {
      // Rank 0 completes an interrupted commit (renaming staged files) before the others read
      // the directory.
      if (!leader_) group_->barrier();
      restore();
      if (leader_) group_->barrier();
    } else {
      start_fresh();
    }
    files_.write_text(kConfigFile, c_.to_toml());  // the first write but a resume's recovery
    announce();
    g_stop_requested.store(false);
    SigintScope sigint(options_.handle_sigint);
    for (int epoch = pos_.epoch; epoch < epochs_ && !stop_; ++epoch) {
      if (!train_epoch(epoch)) break;  // stopped part way (Ctrl-C, non-finite loss)
      const EpochMetrics m = end_epoch(epoch);
      const bool best = !val_loader_ || m.val_acc > result_.best_val_acc;
      if (best) {
        result_.best_val_acc = m.val_acc;
        result_.best_epoch = m.epoch;
      }
      commit_epoch(m, best);
      progress_.end_epoch(m, best && val_loader_);
      warn_about_gradients(m);
      decide_whether_to_stop(m);
    }
    return finish();
  }

 private:
  // Locks the directory, loads the data and builds the model, optimizer and schedule. Nothing
  // in the directory is written yet, so a failure here leaves a previous run as it was.
  void open() {
    // train.threads = 0: the host's cores, shared by the ranks of a data-parallel run on it.
    const std::int64_t threads = c_.get_int("train.threads");
    const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    set_num_threads(threads > 0 ? static_cast<int>(threads) : std::max(1, cores / ranks_on_this_host()));
    if (leader_) {  // only rank 0 writes the run directory
      try {
        fs::create_directories(dir_);
      } catch (const fs::filesystem_error& e) {
        keel::detail::fail("cannot create the run directory '", dir_.string(), "': ", e.code().message());
      }
      lock_ = std::make_unique<detail::RunDirLock>(dir_);
      detail::remove_stale_temporaries(dir_);
      if (!resuming_ && !options_.overwrite && detail::holds_run_outputs(dir_))
        keel::detail::fail(
            "'", dir_.string(), "' already holds a run (", kStateFile, ", ", kMetricsFile,
            ", checkpoints); continue it with `keel train --resume ", dir_.string(),
            "`, or start over with --overwrite (which replaces it), or choose another --run-dir");
    }

    data_ = load_run_data(c_);
    if (!options_.train_indices.empty())
      data_.train = std::make_shared<data::Subset>(data_.train, options_.train_indices);
    train_loader_ = make_train_loader(c_, data_.train, ranks_, rank_);
    val_loader_ = data_.val ? make_eval_loader(c_, data_.val) : nullptr;
    steps_ = train_loader_->size();
    epochs_ = static_cast<int>(c_.get_int("train.epochs"));
    KEEL_CHECK(steps_ > 0, "the training set is empty");

    seed_ = static_cast<std::uint64_t>(c_.get_int("train.seed"));
    manual_seed(seed_);
    model_ = build_model(c_, data_.in_features, data_.classes);
    // Every rank builds the same initial model from train.seed; then each draws its own
    // dropout masks from train.seed + rank (rank 0 continues the 1-process stream).
    if (rank_ > 0) default_generator().manual_seed(seed_ + static_cast<std::uint64_t>(rank_));
    // model.norm = "sync_batch" reduces over this run's group: under `mpirun keel compare` each
    // variant trains alone, and must not wait for the ranks training the others.
    for (const auto& m : model_->modules())
      if (auto* sync = dynamic_cast<nn::SyncBatchNorm*>(m.get())) sync->process_group = group_;
    // Data-parallel: DDP copies rank 0's weights to every rank (they are equal already) and
    // averages the gradients over the ranks inside backward().
    // The gradients live in DDP's buckets (no copies in and out of them each step).
    nn::parallel::DDPOptions ddp_options;
    ddp_options.gradient_as_bucket_view = true;
    ddp_options.buffer_sync = nn::parallel::BufferSync::kPostForward;  // no wait before backward
    net_ = ranks_ > 1 ? std::make_shared<nn::parallel::DistributedDataParallel>(model_, group_, ddp_options)
                      : std::static_pointer_cast<nn::Module>(model_);
    params_ = model_->parameters();
    optimizer_ = detail::make_optimizer(c_, params_);
    scheduler_ = detail::make_scheduler(c_, *optimizer_, steps_);
    per_step_schedule_ = detail::per_step_schedule(c_);
    nn::CrossEntropyLossOptions loss_options;
    loss_options.label_smoothing = c_.get_double("train.label_smoothing");
    criterion_ = std::make_unique<nn::CrossEntropyLoss>(loss_options);
    penalized_ = c_.get_string("reg.penalty") != "none" && c_.get_double("reg.lambda") > 0;
    penalized_weights_ = nn::weights_only(*model_);
    patience_ = c_.get_int("train.early_stopping_patience");
    stopper_ = std::make_unique<EarlyStopping>(patience_ > 0 ? patience_ : 1, 0.0, "max");
    result_.best_val_acc = -INFINITY;
  }

  // A fresh run: the outputs of an earlier one go (allowed by open()) now that the new run has
  // everything it needs to start.
  void start_fresh() {
    if (leader_) detail::remove_run_outputs(dir_);
  }

  // Resume: reads and checks the training state and metrics, restores the model, optimizer,
  // schedule and generator, then completes the commit a kill may have cut short.
  void restore() {
    const std::string state = (dir_ / kStateFile).string();
    const io::Metadata meta = io::read_safetensors_header(state).metadata;
    pos_ = detail::position_from_metadata(meta, state);
    adapt_to_rank_count(meta, state);
    detail::RunShape shape;
    shape.steps_per_epoch = steps_;
    shape.epochs = epochs_;
    shape.batch_size = c_.get_int("train.batch_size") * ranks_;  // the sums are over all ranks
    shape.schedule = !scheduler_          ? detail::RunShape::Schedule::None
                     : per_step_schedule_ ? detail::RunShape::Schedule::PerStep
                                          : detail::RunShape::Schedule::PerEpoch;
    detail::validate(pos_, shape, state);
    KEEL_CHECK(pos_.seed == seed_, state, ": saved with train.seed = ", pos_.seed, ", but the config says ",
               seed_);

    // The scheduler is recreated for this run's train.epochs and fast-forwarded before the
    // optimizer state is loaded, so the loaded options (lr, momentum) are the ones the
    // interrupted run had. An extended run keeps the schedule's options instead: the saved
    // ones belong to the old total (a finished cosine run ends at lr 0).
    if (scheduler_)
      for (std::int64_t i = 0; i < pos_.scheduler_steps; ++i) scheduler_->step();
    const bool extended = pos_.epochs >= 0 && pos_.epochs != epochs_;
    std::vector<optim::Options> scheduled;
    for (const auto& g : optimizer_->param_groups()) scheduled.push_back(g.options);
    io::load_training_state(state, *model_, *optimizer_);
    io::check_finite(model_->state_dict(), state);
    check_optimizer_state_finite(state);
    if (extended) {
      for (std::size_t i = 0; i < scheduled.size(); ++i) optimizer_->param_groups()[i].options = scheduled[i];
      out_ << (epochs_ > pos_.epochs ? "extending" : "shortening") << " the run from " << pos_.epochs
           << " to " << epochs_ << " epochs"
           << (scheduler_ ? " (the lr schedule now spans " + std::to_string(epochs_) + " epochs)" : "")
           << "\n";
    }
    default_generator().set_offset(pos_.generator_offset);
    if (const auto it = meta.find(kGeneratorOffsetsKey); it != meta.end()) {
      // Saved by a data-parallel run: each rank it had continues its own stream.
      const std::vector<std::uint64_t> offsets = parse_offsets(it->second, state);
      if (static_cast<std::size_t>(rank_) < offsets.size()) default_generator().set_offset(offsets[rank_]);
    }
    // The saved sums of a partial epoch are those of all ranks together: rank 0 carries them.
    sums_ = leader_ ? pos_.sums : EpochSums{.seconds = pos_.sums.seconds};

    const fs::path metrics = detail::committed_path(dir_, kMetricsFile, pos_.epoch);
    if (fs::exists(metrics)) log_ = MetricsLog::read_csv(metrics);
    log_.truncate_after(pos_.epoch);
    KEEL_CHECK(log_.size() == static_cast<std::size_t>(pos_.epoch), metrics.string(), " has ", log_.size(),
               " epochs, but ", state, " has completed ", pos_.epoch, "; the run directory is inconsistent");
    // Best epoch and early stopping follow from the logged validation accuracies.
    for (const EpochMetrics& row : log_) {
      if (!data_.val || row.val_acc > result_.best_val_acc) {
        result_.best_val_acc = row.val_acc;
        result_.best_epoch = row.epoch;
      }
      stopper_->step(row.val_acc);
    }
    if (leader_) detail::recover(dir_, pos_.epoch, options_.after_write);
    out_ << "resuming " << dir_.string() << " at epoch " << pos_.epoch + 1 << ", step " << pos_.step << "/"
         << steps_ << "\n";
  }

  // A state saved by another number of ranks: an epoch has another number of steps, so only a
  // state from the end of an epoch maps onto this run (its step counters are recounted); one
  // from part way through an epoch resumes only on the rank count that saved it.
  void adapt_to_rank_count(const io::Metadata& meta, const std::string& state) {
    int saved = 1;
    if (const auto it = meta.find(kWorldSizeKey); it != meta.end()) {
      const std::vector<std::uint64_t> n = parse_offsets(it->second, state);
      KEEL_CHECK(n.size() == 1 && n[0] >= 1 && n[0] <= 1000000, state, ": metadata ", kWorldSizeKey,
                 " is not a rank count: '", it->second, "'");
      saved = static_cast<int>(n[0]);
    }
    if (saved == ranks_) return;
    KEEL_CHECK(pos_.step == 0, state, ": saved part way through epoch ", pos_.epoch + 1, " by ", saved,
               saved == 1 ? " process" : " ranks", ", so it resumes only on ", saved,
               saved == 1 ? " process" : " ranks", " (this run has ", ranks_,
               "); a state saved at the end of an epoch resumes on any number of ranks");
    pos_.global_step = static_cast<std::int64_t>(pos_.epoch) * steps_;
    if (scheduler_ && per_step_schedule_) pos_.scheduler_steps = pos_.global_step;
  }

  // Non-finite momentum or Adam moments would turn the first step's weights into NaN.
  void check_optimizer_state_finite(const std::string& state) const {
    io::NamedTensors buffers;
    for (const auto& [index, s] : optimizer_->state_dict().state)
      for (const auto& [name, t] : s.buffers)
        buffers.emplace_back("optim.state." + std::to_string(index) + "." + name, t);
    io::check_finite(buffers, state);
  }

  void announce() {
    out_ << "training " << dir_.string() << ": " << data_.train->size() << " training images, "
         << (data_.val ? data_.val->size() : 0) << " validation, " << steps_ << " steps per epoch, "
         << epochs_ << " epochs";
    if (ranks_ > 1)
      out_ << ", data-parallel on " << ranks_ << " ranks (global batch " << ranks_ << " x "
           << c_.get_int("train.batch_size") << ")";
    out_ << "\n";
  }

  // The steps of one epoch (from pos_.step when it was resumed part way). False when the run
  // stops before the epoch ends.
  bool train_epoch(int epoch) {
    model_->train();
    epoch_start_ = std::chrono::steady_clock::now();
    std::int64_t i = epoch == pos_.epoch ? pos_.step : 0;
    if (i == 0) sums_ = EpochSums{};
    seconds_before_ = sums_.seconds;
    const bool partial = i > 0;
    last_lr_ = optimizer_->param_groups()[0].lr();
    progress_.begin_epoch(epoch + 1, epochs_, steps_, i);
    data::DataLoader::Iterator it;
    if (!partial) {
      train_loader_->set_epoch(epoch);
      it = train_loader_->begin();
    }
    std::int64_t samples_now = 0;
    for (; i < steps_; ++i) {
      data::Batch b;
      if (partial) {
        b = train_loader_->batch(epoch, i);
      } else {
        if (i > 0) ++it;  // advanced lazily, so stopping never waits for a batch it won't use
        b = *it;
      }
      if (!train_step(b, epoch, i)) {
        drain_signal_exchange();
        return false;
      }
      samples_now += b.size();
      progress_.update(i + 1, sums_.loss / static_cast<double>(sums_.seen),
                       static_cast<double>(sums_.correct) / static_cast<double>(sums_.seen), samples_now);
      // The test hook's step is the same on every rank; a signal is agreed on first.
      if ((options_.stop_after_steps > 0 && steps_this_call_ == options_.stop_after_steps) ||
          signal_on_any_rank(g_stop_requested.load(), i))
        stop_pending_ = true;
      if (stop_pending_ && i + 1 < steps_) {
        drain_signal_exchange();
        save_mid_epoch(epoch, i + 1);
        return false;
      }
    }
    if (drain_signal_exchange()) stop_pending_ = true;  // the last step's exchange
    return true;
  }

  // A signal reaches the ranks at different steps, and they must stop at the same one. In one
  // process it counts at once. On several ranks the flag goes out every kSignalEvery steps (and
  // after an epoch's last) in an asynchronous allreduce, which the communication thread runs
  // while the next steps compute, and is read at the next exchange (at the epoch's end): every rank reads the
  // same value at the same step, and no step waits for the other ranks over it (a blocking exchange per step
  // cost every step a wait for the slowest). Not every step: each collective costs a round trip and a
  // rendezvous, and on the 2-rank MLP epoch one per step cost 5% of its time (docs/benchmarks.md); a stop
  // comes at most 2 * kSignalEvery steps late (tens of milliseconds).
  static constexpr std::int64_t kSignalEvery = 8;
  bool signal_on_any_rank(bool mine, std::int64_t step) {
    if (ranks_ == 1) return mine;
    if ((step + 1) % kSignalEvery != 0 && step + 1 != steps_)
      return false;  // the last one is drained at once
    const bool seen = drain_signal_exchange();
    signal_flag_ = full({1}, mine ? 1.0 : 0.0, kFloat64);
    signal_exchange_ = group_->allreduce_async(signal_flag_, dist::ReduceOp::Max);
    return seen;
  }

  // Waits for the exchange in flight (if any); true when it carried a signal. Every rank calls
  // it at the same points, so the collectives stay paired.
  bool drain_signal_exchange() {
    if (!signal_exchange_) return false;
    signal_exchange_->wait();
    signal_exchange_.reset();
    return signal_flag_.data_ptr<double>()[0] > 0;
  }

  // One optimizer step on batch `b`; false (and the result says why) on a non-finite loss or
  // gradient norm.
  bool train_step(const data::Batch& b, int epoch, std::int64_t i) {
    optimizer_->zero_grad(/*set_to_none=*/true);
    Tensor logits = (*net_)(b.data);
    Tensor loss = (*criterion_)(logits, b.target);
    const double loss_value = loss.item();
    std::string bad;
    double grad_norm = NAN;
    const bool finite_here = std::isfinite(loss_value);
    if (!finite_here && ranks_ == 1) {
      bad = "non-finite loss (" + nonfinite_text(loss_value) + ")";
    } else {
      Tensor total =
          penalized_ ? loss + detail::penalty(c_, penalized_weights_) * c_.get_double("reg.lambda") : loss;
      // Ranks step together. A rank whose loss is not finite backpropagates NaN: the averaged
      // gradients, and so the norm, are then NaN on every rank, and every rank stops at this
      // step without a collective of its own before backward.
      total.backward(finite_here ? Tensor() : full_like(total, NAN));  // under DDP, returns averaged
      const double clip = c_.get_double("train.clip_grad_norm");
      grad_norm = nn::utils::clip_grad_norm_(params_, clip > 0 ? clip : INFINITY).item();
      if (!finite_here) {
        bad = "non-finite loss (" + nonfinite_text(loss_value) + ") on rank " + std::to_string(rank_);
      } else if (!std::isfinite(grad_norm)) {
        bad = "non-finite gradient norm (" + nonfinite_text(grad_norm) + ")" +
              (ranks_ > 1 ? " (or a non-finite loss on another rank)" : "");
      }
    }
    if (!bad.empty()) {
      stop_non_finite(bad, epoch, i);
      return false;
    }
    last_lr_ = optimizer_->param_groups()[0].lr();
    optimizer_->step();
    if (scheduler_ && per_step_schedule_) {
      scheduler_->step();
      ++pos_.scheduler_steps;
    }
    ++pos_.global_step;
    ++steps_this_call_;
    {
      NoGradGuard no_grad;
      sums_.correct += static_cast<std::int64_t>(logits.argmax(1).eq(b.target).sum().item());
    }
    sums_.loss += loss_value * static_cast<double>(b.size());
    sums_.seen += b.size();
    sums_.grad_norm += grad_norm;
    ++sums_.norms;
    return true;
  }

  void stop_non_finite(const std::string& what, int epoch, std::int64_t i) {
    progress_.interrupt();
    std::ostringstream msg;
    msg << what << " at epoch " << epoch + 1 << ", step " << i + 1 << "/" << steps_ << " (lr "
        << optimizer_->param_groups()[0].lr() << "); training stopped. ";
    if (fs::exists(dir_ / kLastFile))
      msg << "The last good checkpoint (epoch " << epoch << ") is kept in " << (dir_ / kLastFile).string()
          << ". ";
    else
      msg << "No epoch completed, so there is no checkpoint. ";
    msg << "Try a smaller optim.lr, or gradient clipping (train.clip_grad_norm).";
    result_.status = TrainResult::Status::NonFinite;
    result_.exit_code = 1;
    result_.message = msg.str();
    stop_ = true;
  }

  // Ctrl-C part way through an epoch: the training state holds the weights so far (the
  // checkpoints stay those of the last completed epoch, like every other output).
  void save_mid_epoch(int epoch, std::int64_t step) {
    sums_.seconds = seconds_before_ + seconds_since(epoch_start_);
    progress_.interrupt();
    files_.save_state(*model_, *optimizer_, position(epoch, step, all_ranks(sums_)));
    result_.status = TrainResult::Status::Interrupted;
    result_.exit_code = 130;
    result_.message = "interrupted at epoch " + std::to_string(epoch + 1) + ", step " + std::to_string(step) +
                      "/" + std::to_string(steps_) + "; the training state is saved in " +
                      (dir_ / kStateFile).string() + ". Resume with: keel train --resume " + dir_.string();
    stop_ = true;
  }

  // Validation and the per-epoch schedule step; the epoch's row of metrics.csv.
  EpochMetrics end_epoch(int epoch) {
    EpochMetrics m;
    m.epoch = epoch + 1;
    const EpochSums all = all_ranks(sums_);
    m.train_loss = all.loss / static_cast<double>(all.seen);
    m.train_acc = static_cast<double>(all.correct) / static_cast<double>(all.seen);
    if (val_loader_) {
      // Training batches and evaluation batches (1000 images) need blocks of other sizes:
      // handing the cached ones back at each switch keeps the two sets from adding up at the
      // run's peak memory, for a few milliseconds of page faults per epoch.
      allocator::empty_cache();
      // Under mpirun the ranks split the validation batches (the replicas hold the same weights;
      // the buffers are made rank 0's, which its checkpoint saves), and every rank gets the
      // merged result, so the decisions made from it (best epoch, early stopping) agree.
      if (auto* ddp = dynamic_cast<nn::parallel::DistributedDataParallel*>(net_.get())) ddp->sync_buffers();
      const EvalResult r = evaluate(*model_, *val_loader_, data_.classes, *group_);
      allocator::empty_cache();
      m.val_loss = r.loss;
      m.val_acc = r.accuracy;
    }
    m.lr = last_lr_;
    m.grad_norm = sums_.norms ? sums_.grad_norm / static_cast<double>(sums_.norms) : NAN;
    if (scheduler_ && !per_step_schedule_) {
      scheduler_->step();
      ++pos_.scheduler_steps;
    }
    m.seconds = seconds_before_ + seconds_since(epoch_start_);
    log_.push_back(m);
    return m;
  }

  // Every output of the epoch goes to a staged file; the training state naming the epoch is the
  // commit point; then the staged files are renamed into place (see run_dir.h).
  void commit_epoch(const EpochMetrics& m, bool best) {
    const int n = m.epoch;
    const io::Metadata epoch_meta = {{"epoch", std::to_string(n)}};
    if (best) files_.save_checkpoint(detail::staged_name(kBestFile, n), *model_, epoch_meta);
    files_.save_checkpoint(detail::staged_name(kLastFile, n), *model_, epoch_meta);
    files_.write_text(detail::staged_name(kMetricsFile, n), log_.to_csv());
    files_.write_text(detail::staged_name(kCurvesFile, n),
                      learning_curves_svg({{dir_.filename().string(), log_}}));
    result_.log = log_;
    files_.write_text(detail::staged_name(kSummaryFile, n), detail::summary_json(result_, "running"));
    files_.save_state(*model_, *optimizer_, position(n, 0, EpochSums{}));
    files_.publish(n);
  }

  // Epoch-mean norms: per-step norms swing by 10x near convergence and would warn on noise.
  // A warning is printed when its range of epochs starts; the summary lists the whole ranges.
  void warn_about_gradients(const EpochMetrics& m) {
    for (const auto& w : gradient_warnings(log_))
      if (w.first_epoch == m.epoch) err_ << "keel: warning: " << w.message << "\n";
  }

  void decide_whether_to_stop(const EpochMetrics& m) {
    if (patience_ > 0 && val_loader_ && stopper_->step(m.val_acc)) {
      out_ << "early stopping: no validation improvement for " << patience_ << " epochs (best: epoch "
           << result_.best_epoch << ")\n";
      result_.stopped_early = true;
      stop_ = true;
    }
    if (any_rank(stop_pending_ || g_stop_requested.load()) && !stop_ && m.epoch < epochs_) {
      result_.status = TrainResult::Status::Interrupted;
      result_.exit_code = 130;
      result_.message = "interrupted after epoch " + std::to_string(m.epoch) +
                        "; the training state is saved in " + (dir_ / kStateFile).string() +
                        ". Resume with: keel train --resume " + dir_.string();
      stop_ = true;
    }
  }

  // The test set, the diagnosis and the final summary.json.
  TrainResult finish() {
    result_.log = log_;
    if (result_.best_epoch < 0) result_.best_val_acc = NAN;
    if (result_.status == TrainResult::Status::Completed) {
      if (leader_ && options_.evaluate_test && data_.test && fs::exists(dir_ / kBestFile)) evaluate_test();
      DiagnosisOptions dopt;
      dopt.num_classes = static_cast<int>(data_.classes);
      result_.diagnosis = diagnose(log_, dopt);
      out_ << result_.diagnosis.to_text();
      for (const auto& w : gradient_warnings(log_)) result_.gradient_warnings.push_back(w.message);
      if (!result_.gradient_warnings.empty()) {
        out_ << "Gradient warnings:\n";
        for (const auto& w : result_.gradient_warnings) out_ << "  - " << w << "\n";
      }
    }
    files_.write_text(kSummaryFile, detail::summary_json(result_));
    return result_;
  }

  void evaluate_test() {
    allocator::empty_cache();  // see end_epoch
    io::load_checkpoint((dir_ / kBestFile).string(), *model_);
    auto test_loader = make_eval_loader(c_, data_.test);
    EvalResult t = evaluate(*model_, *test_loader, data_.classes);
    result_.test_acc = t.accuracy;
    result_.test_loss = t.loss;
    out_ << "test accuracy " << std::fixed;
    out_.precision(2);
    out_ << t.accuracy * 100 << "% (loss ";
    out_.precision(4);
    out_ << t.loss << ") with the weights of epoch " << result_.best_epoch << "\n";
    out_.unsetf(std::ios::floatfield);
    out_.precision(6);
  }

  // OpenMPI names the ranks sharing this host; other launchers: assume all of them do.
  int ranks_on_this_host() const {
    if (ranks_ == 1) return 1;
    const char* local = std::getenv("OMPI_COMM_WORLD_LOCAL_SIZE");
    const int n = local ? std::atoi(local) : 0;
    return n > 0 ? n : ranks_;
  }

  // True on every rank when `flag` is true on any (a 1-process run asks no one).
  bool any_rank(bool flag) const {
    if (ranks_ == 1) return flag;
    Tensor t = full({1}, flag ? 1.0 : 0.0, kFloat64);
    group_->allreduce(t, dist::ReduceOp::Max);
    return t.data_ptr<double>()[0] > 0;
  }

  // The sums of all ranks' samples; grad_norm and norms are the same on every rank (the
  // gradients are averaged before the norm), so rank 0's stand for all, as do its seconds.
  EpochSums all_ranks(const EpochSums& mine) const {
    if (ranks_ == 1) return mine;
    Tensor t = zeros({3}, kFloat64);
    double* d = t.data_ptr<double>();
    d[0] = mine.loss;
    d[1] = static_cast<double>(mine.correct);
    d[2] = static_cast<double>(mine.seen);
    group_->allreduce(t, dist::ReduceOp::Sum);
    EpochSums out = mine;
    out.loss = d[0];
    out.correct = static_cast<std::int64_t>(d[1]);
    out.seen = static_cast<std::int64_t>(d[2]);
    return out;
  }

  // A collective on a data-parallel run: call it on every rank at the same point.
  io::Metadata position(int epoch, std::int64_t step, const EpochSums& sums) const {
    RunPosition p;
    p.epoch = epoch;
    p.step = step;
    p.global_step = pos_.global_step;
    p.scheduler_steps = pos_.scheduler_steps;
    p.seed = seed_;
    p.generator_offset = default_generator().offset();
    p.epochs = epochs_;
    p.sums = sums;
    io::Metadata meta = detail::to_metadata(p);
    if (ranks_ > 1) {
      std::string offsets;
      for (const std::string& o : group_->allgather_bytes(std::to_string(default_generator().offset())))
        offsets += (offsets.empty() ? "" : ",") + o;
      meta[kWorldSizeKey] = std::to_string(ranks_);
      meta[kGeneratorOffsetsKey] = offsets;
    }
    return meta;
  }

  const Config& c_;
  const TrainerOptions& options_;
  std::shared_ptr<dist::ProcessGroup> group_;
  const int rank_, ranks_;
  const bool leader_;             // rank 0: prints and writes the run directory
  std::ostream silent_{nullptr};  // the other ranks' out_ and err_ (a null buffer drops all)
  std::ostream& out_;
  std::ostream& err_;
  detail::Progress progress_;
  const fs::path dir_;
  detail::RunFiles files_;
  const bool resuming_;
  std::unique_ptr<detail::RunDirLock> lock_;

  RunData data_;
  std::unique_ptr<data::DataLoader> train_loader_, val_loader_;
  std::int64_t steps_ = 0;
  int epochs_ = 0;
  std::uint64_t seed_ = 0;
  std::shared_ptr<nn::Sequential> model_;
  std::shared_ptr<nn::Module> net_;  // what trains: model_, or DDP over it on several ranks
  std::vector<Tensor> params_, penalized_weights_;
  std::unique_ptr<optim::Optimizer> optimizer_;
  std::unique_ptr<optim::LRScheduler> scheduler_;
  bool per_step_schedule_ = false, penalized_ = false;
  std::unique_ptr<nn::CrossEntropyLoss> criterion_;
  std::int64_t patience_ = 0;
  std::unique_ptr<EarlyStopping> stopper_;

  RunPosition pos_;  // where the run started this call; its step counters advance as it trains
  EpochSums sums_;
  MetricsLog log_;
  TrainResult result_;
  std::chrono::steady_clock::time_point epoch_start_;
  double seconds_before_ = 0, last_lr_ = NAN;
  std::int64_t steps_this_call_ = 0;
  bool stop_ = false, stop_pending_ = false;
  Tensor signal_flag_;  // the signal exchange of signal_on_any_rank()
  std::shared_ptr<dist::Work> signal_exchange_;
};

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
  const Config saved = Config::from_toml_file((dir / kConfigFile).string());
  Config config = saved;
  for (const auto& o : overrides) {
    const std::string key = o.substr(0, o.find('='));
    Config alone = saved;
    alone.set(o);  // checks the key and value
    const bool resumable =
        std::find(std::begin(kResumableKeys), std::end(kResumableKeys), key) != std::end(kResumableKeys);
    KEEL_CHECK(resumable || alone.to_toml() == saved.to_toml(), "--resume cannot change ", key,
               ": the saved training state was made with the value in ", (dir / kConfigFile).string(),
               " (a resume may change only ", "train.epochs, train.threads, train.eval_batch_size, ",
               "train.early_stopping_patience and the test data); start a new run with --overwrite or "
               "another --run-dir instead");
    config.set(o);
  }
  options.run_dir = run_dir;
  Trainer t(std::move(config), std::move(options));
  t.resuming_ = true;
  return t;
}

TrainResult Trainer::run() { return RunSession(config_, options_, run_dir_, resuming_).run(); }

}  // namespace keel::train
