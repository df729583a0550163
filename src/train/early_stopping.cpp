#include "keel/train/early_stopping.h"

#include <cmath>
#include <limits>

namespace keel::train {

EarlyStopping::EarlyStopping(std::int64_t patience, double min_delta, const std::string& mode)
    : patience_(patience), min_delta_(min_delta), maximize_(mode == "max") {
  KEEL_CHECK(mode == "min" || mode == "max", "EarlyStopping: mode must be 'min' or 'max', got '", mode, "'");
  KEEL_CHECK(patience >= 0, "EarlyStopping: patience must be non-negative, got ", patience);
  KEEL_CHECK(min_delta >= 0, "EarlyStopping: min_delta must be non-negative, got ", min_delta);
  reset();
}

void EarlyStopping::reset() {
  best_ = maximize_ ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
  best_epoch_ = -1;
  epoch_ = -1;
  counter_ = 0;
  best_state_.clear();
}

bool EarlyStopping::improved(double metric) const {
  if (std::isnan(metric)) return false;
  return maximize_ ? metric > best_ + min_delta_ : metric < best_ - min_delta_;
}

bool EarlyStopping::step(double metric) {
  ++epoch_;
  if (improved(metric)) {
    best_ = metric;
    best_epoch_ = epoch_;
    counter_ = 0;
  } else {
    ++counter_;
  }
  return should_stop();
}

bool EarlyStopping::step(double metric, const nn::Module& module) {
  const bool better = improved(metric);
  const bool stop = step(metric);
  if (better) {
    // A deep copy: the module's own state_dict shares storage with its parameters.
    best_state_.clear();
    for (const auto& [name, t] : module.state_dict()) best_state_.emplace_back(name, t.detach().clone());
  }
  return stop;
}

void EarlyStopping::restore_best(nn::Module& module) const {
  KEEL_CHECK(!best_state_.empty(),
             "EarlyStopping::restore_best: no weights were saved (call step(metric, module) first)");
  module.load_state_dict(best_state_);
}

}  // namespace keel::train
