#pragma once
// Early stopping on a validation metric: stop after `patience` epochs without an improvement
// of more than min_delta, optionally remembering the best weights of a module.
//
//   train::EarlyStopping stopper(/*patience=*/5, /*min_delta=*/1e-4, "min");
//   for (int epoch = 0; ; ++epoch) {
//     ... train ...
//     if (stopper.step(val_loss, *model)) break;
//   }
//   stopper.restore_best(*model);
#include <cstdint>
#include <string>

#include "keel/nn/module.h"

namespace keel::train {

class EarlyStopping {
 public:
  // mode "min": lower is better (a loss); "max": higher is better (an accuracy).
  explicit EarlyStopping(std::int64_t patience = 5, double min_delta = 0.0, const std::string& mode = "min");

  // Records one epoch's metric; returns true when training should stop.
  bool step(double metric);
  // Same, and keeps a copy of the module's state_dict whenever the metric improves.
  bool step(double metric, const nn::Module& module);
  // Loads the weights saved at the best epoch; throws if none were saved.
  void restore_best(nn::Module& module) const;

  bool should_stop() const { return counter_ >= patience_; }
  double best_value() const { return best_; }
  std::int64_t best_epoch() const { return best_epoch_; }  // 0-based index of the step call; -1 before any
  std::int64_t epochs() const { return epoch_ + 1; }
  std::int64_t bad_epochs() const { return counter_; }
  bool has_best_state() const { return !best_state_.empty(); }
  void reset();

 private:
  bool improved(double metric) const;
  std::int64_t patience_;
  double min_delta_;
  bool maximize_;
  double best_;
  std::int64_t best_epoch_ = -1;
  std::int64_t epoch_ = -1;
  std::int64_t counter_ = 0;
  nn::StateDict best_state_;
};

}  // namespace keel::train
