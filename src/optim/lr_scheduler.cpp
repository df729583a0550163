#include "keel/optim/lr_scheduler.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

namespace keel::optim {

namespace {
constexpr double kPi = std::numbers::pi;

// Python's a % b for b > 0 (never negative), which CosineAnnealingLR relies on.
std::int64_t py_mod(std::int64_t a, std::int64_t b) { return ((a % b) + b) % b; }
}  // namespace

// ---- base -----------------------------------------------------------------------------------

LRScheduler::LRScheduler(Optimizer& optimizer) : optimizer_(optimizer) {
  for (auto& group : optimizer_.param_groups()) {
    if (!group.has("initial_lr")) group.set("initial_lr", group.lr());
    base_lrs_.push_back(group.get("initial_lr"));
  }
}

void LRScheduler::initial_step() {
  step_count_ = 0;
  step();
}

std::vector<double> LRScheduler::group_lrs() const {
  std::vector<double> out;
  for (const auto& group : optimizer_.param_groups()) out.push_back(group.lr());
  return out;
}

void LRScheduler::step() {
  ++step_count_;
  ++last_epoch_;
  std::vector<double> values = get_lr();
  auto& groups = optimizer_.param_groups();
  KEEL_CHECK(values.size() == groups.size(), "lr_scheduler: the optimizer has ", groups.size(),
             " param groups but the scheduler was built for ", values.size());
  for (std::size_t i = 0; i < groups.size(); ++i) groups[i].set_lr(values[i]);
  last_lr_ = std::move(values);
}

// ---- StepLR, MultiStepLR, ExponentialLR --------------------------------------------------------

StepLR::StepLR(Optimizer& optimizer, std::int64_t step_size, double gamma)
    : LRScheduler(optimizer), step_size_(step_size), gamma_(gamma) {
  KEEL_CHECK(step_size > 0, "StepLR: step_size must be positive, got ", step_size);
  initial_step();
}

std::vector<double> StepLR::get_lr() {
  std::vector<double> lrs = group_lrs();
  if (last_epoch_ == 0 || last_epoch_ % step_size_ != 0) return lrs;
  for (double& lr : lrs) lr *= gamma_;
  return lrs;
}

MultiStepLR::MultiStepLR(Optimizer& optimizer, std::vector<std::int64_t> milestones, double gamma)
    : LRScheduler(optimizer), milestones_(std::move(milestones)), gamma_(gamma) {
  initial_step();
}

std::vector<double> MultiStepLR::get_lr() {
  std::vector<double> lrs = group_lrs();
  auto hits = std::count(milestones_.begin(), milestones_.end(), last_epoch_);
  if (hits == 0) return lrs;
  for (double& lr : lrs) lr *= std::pow(gamma_, static_cast<double>(hits));
  return lrs;
}

ExponentialLR::ExponentialLR(Optimizer& optimizer, double gamma) : LRScheduler(optimizer), gamma_(gamma) {
  initial_step();
}

std::vector<double> ExponentialLR::get_lr() {
  std::vector<double> lrs = group_lrs();
  if (last_epoch_ == 0) return lrs;
  for (double& lr : lrs) lr *= gamma_;
  return lrs;
}

// ---- CosineAnnealingLR ------------------------------------------------------------------------

CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, std::int64_t T_max, double eta_min)
    : LRScheduler(optimizer), T_max_(T_max), eta_min_(eta_min) {
  KEEL_CHECK(T_max > 0, "CosineAnnealingLR: T_max must be positive, got ", T_max);
  initial_step();
}

std::vector<double> CosineAnnealingLR::get_lr() {
  std::vector<double> lrs = group_lrs();
  if (last_epoch_ == 0) return lrs;
  const double T = static_cast<double>(T_max_), e = static_cast<double>(last_epoch_);
  for (std::size_t i = 0; i < lrs.size(); ++i) {
    const double base = base_lrs_[i];
    if (step_count_ == 1 && last_epoch_ > 0) {
      lrs[i] = eta_min_ + (base - eta_min_) * (1 + std::cos(e * kPi / T)) / 2;
    } else if (py_mod(last_epoch_ - 1 - T_max_, 2 * T_max_) == 0) {
      lrs[i] = lrs[i] + (base - eta_min_) * (1 - std::cos(kPi / T)) / 2;
    } else {
      lrs[i] =
          (1 + std::cos(kPi * e / T)) / (1 + std::cos(kPi * (e - 1) / T)) * (lrs[i] - eta_min_) + eta_min_;
    }
  }
  return lrs;
}

// ---- LinearLR -------------------------------------------------------------------------------

LinearLR::LinearLR(Optimizer& optimizer, double start_factor, double end_factor, std::int64_t total_iters)
    : LRScheduler(optimizer),
      start_factor_(start_factor),
      end_factor_(end_factor),
      total_iters_(total_iters) {
  KEEL_CHECK(start_factor <= 1.0 && start_factor >= 0,
             "LinearLR: Starting multiplicative factor expected to be between 0 and 1, got start_factor=",
             start_factor);
  KEEL_CHECK(
      end_factor <= 1.0 && end_factor >= 0,
      "LinearLR: Ending multiplicative factor expected to be between 0 and 1, got end_factor=", end_factor);
  initial_step();
}

std::vector<double> LinearLR::get_lr() {
  std::vector<double> lrs = group_lrs();
  if (last_epoch_ == 0) {
    for (double& lr : lrs) lr *= start_factor_;
    return lrs;
  }
  if (last_epoch_ > total_iters_) return lrs;
  const double diff = end_factor_ - start_factor_;
  for (double& lr : lrs)
    lr *= 1. + diff / (static_cast<double>(total_iters_) * start_factor_ +
                       static_cast<double>(last_epoch_ - 1) * diff);
  return lrs;
}

// ---- OneCycleLR -----------------------------------------------------------------------------

OneCycleLR::OneCycleLR(Optimizer& optimizer, double max_lr, std::int64_t total_steps,
                       const OneCycleOptions& o)
    : OneCycleLR(optimizer, std::vector<double>(optimizer.param_groups().size(), max_lr), total_steps, o) {}

OneCycleLR::OneCycleLR(Optimizer& optimizer, std::vector<double> max_lrs, std::int64_t total_steps,
                       const OneCycleOptions& o)
    : LRScheduler(optimizer), total_steps_(total_steps), cycle_momentum_(o.cycle_momentum) {
  KEEL_CHECK(total_steps > 0, "OneCycleLR: Expected positive integer total_steps, but got ", total_steps);
  KEEL_CHECK(o.pct_start >= 0 && o.pct_start <= 1,
             "OneCycleLR: Expected float between 0 and 1 pct_start, but got ", o.pct_start);
  KEEL_CHECK(o.anneal_strategy == "cos" || o.anneal_strategy == "linear",
             "OneCycleLR: anneal_strategy must by one of 'cos' or 'linear', instead got ", o.anneal_strategy);
  auto& groups = optimizer_.param_groups();
  KEEL_CHECK(max_lrs.size() == groups.size(), "OneCycleLR: expected ", groups.size(),
             " values for max_lr, got ", max_lrs.size());
  linear_ = o.anneal_strategy == "linear";
  const double total = static_cast<double>(total_steps);
  if (o.three_phase) {
    phases_ = {{o.pct_start * total - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"},
               {2 * o.pct_start * total - 2, "max_lr", "initial_lr", "base_momentum", "max_momentum"},
               {total - 1, "initial_lr", "min_lr", "max_momentum", "max_momentum"}};
  } else {
    phases_ = {{o.pct_start * total - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"},
               {total - 1, "max_lr", "min_lr", "base_momentum", "max_momentum"}};
  }
  for (std::size_t i = 0; i < groups.size(); ++i) {
    groups[i].set("initial_lr", max_lrs[i] / o.div_factor);
    groups[i].set("max_lr", max_lrs[i]);
    groups[i].set("min_lr", groups[i].get("initial_lr") / o.final_div_factor);
  }
  // The base class read initial_lr before it was set here; PyTorch sets it first.
  base_lrs_.clear();
  for (const auto& g : groups) base_lrs_.push_back(g.get("initial_lr"));
  if (cycle_momentum_) {
    const Options& d = optimizer_.defaults();
    KEEL_CHECK(d.count("momentum") || d.count("beta1"),
               "OneCycleLR: optimizer must support momentum with `cycle_momentum` option enabled (",
               optimizer_.name(), " has neither momentum nor betas)");
    momentum_key_ = d.count("beta1") ? "beta1" : "momentum";
    for (auto& g : groups) {
      g.set(momentum_key_, o.max_momentum);
      g.set("max_momentum", o.max_momentum);
      g.set("base_momentum", o.base_momentum);
    }
  }
  initial_step();
}

double OneCycleLR::anneal(double start, double end, double pct) const {
  if (linear_) return (end - start) * pct + start;
  const double cos_out = std::cos(kPi * pct) + 1;
  return end + (start - end) / 2.0 * cos_out;
}

std::vector<double> OneCycleLR::get_lr() {
  const std::int64_t step_num = last_epoch_;
  KEEL_CHECK(step_num <= total_steps_, "OneCycleLR: Tried to step ", step_num + 1,
             " times. The specified number of total steps is ", total_steps_);
  std::vector<double> lrs;
  const double s = static_cast<double>(step_num);
  for (auto& group : optimizer_.param_groups()) {
    double start_step = 0, lr = 0, momentum = 0;
    for (std::size_t i = 0; i < phases_.size(); ++i) {
      const Phase& ph = phases_[i];
      if (s <= ph.end_step || i == phases_.size() - 1) {
        const double pct = (s - start_step) / (ph.end_step - start_step);
        lr = anneal(group.get(ph.start_lr), group.get(ph.end_lr), pct);
        if (cycle_momentum_) momentum = anneal(group.get(ph.start_momentum), group.get(ph.end_momentum), pct);
        break;
      }
      start_step = ph.end_step;
    }
    lrs.push_back(lr);
    if (cycle_momentum_) group.set(momentum_key_, momentum);
  }
  return lrs;
}

// ---- ReduceLROnPlateau ------------------------------------------------------------------------

ReduceLROnPlateau::ReduceLROnPlateau(Optimizer& optimizer, const ReduceLROnPlateauOptions& options)
    : optimizer_(optimizer), o_(options) {
  KEEL_CHECK(o_.factor < 1.0, "ReduceLROnPlateau: Factor should be < 1.0, got ", o_.factor);
  KEEL_CHECK(o_.mode == "min" || o_.mode == "max", "ReduceLROnPlateau: mode ", o_.mode, " is unknown!");
  KEEL_CHECK(o_.threshold_mode == "rel" || o_.threshold_mode == "abs", "ReduceLROnPlateau: threshold mode ",
             o_.threshold_mode, " is unknown!");
  const std::size_t n = optimizer_.param_groups().size();
  if (!o_.min_lrs.empty()) {
    KEEL_CHECK(o_.min_lrs.size() == n, "ReduceLROnPlateau: expected ", n, " min_lrs, got ",
               o_.min_lrs.size());
    min_lrs_ = o_.min_lrs;
  } else {
    min_lrs_.assign(n, o_.min_lr);
  }
  best_ =
      o_.mode == "min" ? std::numeric_limits<double>::infinity() : -std::numeric_limits<double>::infinity();
}

bool ReduceLROnPlateau::is_better(double a, double best) const {
  const bool rel = o_.threshold_mode == "rel";
  if (o_.mode == "min") return rel ? a < best * (1. - o_.threshold) : a < best - o_.threshold;
  return rel ? a > best * (o_.threshold + 1.) : a > best + o_.threshold;
}

void ReduceLROnPlateau::step(double metric) {
  ++last_epoch_;
  if (is_better(metric, best_)) {
    best_ = metric;
    num_bad_epochs_ = 0;
  } else {
    ++num_bad_epochs_;
  }
  if (cooldown_counter_ > 0) {
    --cooldown_counter_;
    num_bad_epochs_ = 0;  // bad epochs in cooldown don't count
  }
  if (num_bad_epochs_ > o_.patience) {
    auto& groups = optimizer_.param_groups();
    for (std::size_t i = 0; i < groups.size(); ++i) {
      const double old_lr = groups[i].lr();
      const double new_lr = std::max(old_lr * o_.factor, min_lrs_[i]);
      if (old_lr - new_lr > o_.eps) groups[i].set_lr(new_lr);
    }
    cooldown_counter_ = o_.cooldown;
    num_bad_epochs_ = 0;
  }
}

std::vector<double> ReduceLROnPlateau::get_last_lr() const {
  std::vector<double> out;
  for (const auto& g : optimizer_.param_groups()) out.push_back(g.lr());
  return out;
}

}  // namespace keel::optim
