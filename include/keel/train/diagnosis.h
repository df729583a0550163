#pragma once
// Reads a run's learning curves and says whether it underfits, overfits or fits well, with the
// figures that support the verdict and the remedies the source material gives for that case.
//
//   auto d = train::diagnose(log, {.num_classes = 10});
//   std::cout << d.to_text();
//   for (const auto& w : train::gradient_warnings(log)) std::cerr << w.message << '\n';
//
// The rules (each threshold is an option below):
// - Inconclusive: fewer than min_epochs epochs with a finite train loss, or no validation
//   metrics while the training side looks fine.
// - Underfitting (checked first: a model that does not fit its training data cannot overfit it):
//   the train loss fell by less than min_train_loss_drop of its first value, or the final train
//   accuracy is below target_train_acc - max_acc_shortfall (when the task's attainable accuracy
//   is known), or within min_acc_above_chance of chance (1 / num_classes, when given).
// - Overfitting: the val loss reached its minimum at least min_epochs_after_best epochs before
//   the end and ended more than max_val_loss_rise above it while the train loss kept falling,
//   or the final train/val accuracy gap exceeds max_acc_gap.
// - GoodFit: otherwise.
#include <limits>
#include <string>
#include <vector>

#include "keel/train/metrics.h"

namespace keel::train {

enum class Verdict { Inconclusive, Underfitting, Overfitting, GoodFit };
// "inconclusive", "underfitting", "overfitting", "good fit".
const char* to_string(Verdict v);

struct DiagnosisOptions {
  int min_epochs = 5;
  // Underfitting.
  double min_train_loss_drop = 0.10;  // relative drop of the train loss, first -> final epoch
  int num_classes = 0;                // 0: unknown, skips the chance-level check
  double min_acc_above_chance = 0.10;
  double target_train_acc = std::numeric_limits<double>::quiet_NaN();  // NaN: unknown
  double max_acc_shortfall = 0.10;
  // Overfitting.
  double max_val_loss_rise = 0.10;  // final val loss vs its minimum, relative
  int min_epochs_after_best = 3;    // the minimum must be this many epochs before the end
  double max_acc_gap = 0.10;        // final train acc - final val acc (fraction: 0.10 = 10 points)
};

struct Diagnosis {
  Verdict verdict = Verdict::Inconclusive;
  std::string summary;                // one line: the verdict and its main reason
  std::vector<std::string> evidence;  // figures with epochs, one finding per line
  std::vector<std::string> remedies;  // from the source material, for this verdict
  // The terminal rendering: verdict, evidence and remedies as an indented list.
  std::string to_text() const;
};

Diagnosis diagnose(const MetricsLog& log, const DiagnosisOptions& options = {});

// The remedies the source material gives for a verdict (empty for GoodFit and Inconclusive).
std::vector<std::string> remedies_for(Verdict v);

struct GradientWarningOptions {
  double explode_factor = 10.0;  // warn when the norm grows more than this vs the previous value or the first
  double explode_bound = 1e3;    // warn when the norm exceeds this (<= 0 disables)
  double vanish_below = 1e-6;    // warn when the norm falls below this
};

struct GradientWarning {
  enum class Kind { Exploding, Vanishing };
  Kind kind = Kind::Exploding;
  // Consecutive epochs (or steps) with the same kind of warning are merged into one range.
  int first_epoch = 0, last_epoch = 0;
  long long first_step = -1, last_step = -1;  // -1 for epoch-level norms
  double worst = 0.0;                         // the largest (exploding) or smallest (vanishing) norm
  std::string message;
};

// From the per-epoch grad_norm column. NaN means "not measured" and is skipped; +inf counts
// as exploding.
std::vector<GradientWarning> gradient_warnings(const MetricsLog& log,
                                               const GradientWarningOptions& options = {});
// From per-step norms; step i belongs to epoch first_epoch + i / steps_per_epoch.
std::vector<GradientWarning> gradient_warnings(const std::vector<double>& step_norms,
                                               long long steps_per_epoch, int first_epoch = 1,
                                               const GradientWarningOptions& options = {});

}  // namespace keel::train
