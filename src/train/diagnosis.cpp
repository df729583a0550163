// diagnose(): over/underfitting from the learning curves; gradient_warnings(): exploding and
// vanishing gradient norms. Both only read a metrics history.
#include "keel/train/diagnosis.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <span>

#include "keel/core/error.h"
#include "train/text_format.h"

namespace keel::train {
namespace {

using detail::percent;
using detail::value3;

// "+28.5%" / "-64.0%": a relative change.
// Appends rather than prepends: GCC 12 flags "literal" + std::string&& with a false -Wrestrict.
std::string signed_percent(double rel) {
  std::string out = rel >= 0 ? "+" : "";
  out += detail::fixed(rel * 100.0, 1);
  out += '%';
  return out;
}
std::string points(double fraction) { return detail::fixed(fraction * 100.0, 1) + " points"; }
std::string epoch_str(int e) { return "epoch " + std::to_string(e); }

void check_options(const DiagnosisOptions& o) {
  KEEL_CHECK(o.min_epochs >= 2, "diagnose: min_epochs must be at least 2, got ", o.min_epochs);
  KEEL_CHECK(o.min_train_loss_drop >= 0 && o.min_train_loss_drop < 1,
             "diagnose: min_train_loss_drop must be in [0, 1), got ", o.min_train_loss_drop);
  KEEL_CHECK(o.num_classes >= 0, "diagnose: num_classes must be >= 0, got ", o.num_classes);
  KEEL_CHECK(o.max_val_loss_rise >= 0, "diagnose: max_val_loss_rise must be >= 0, got ", o.max_val_loss_rise);
  KEEL_CHECK(o.min_epochs_after_best >= 1, "diagnose: min_epochs_after_best must be >= 1, got ",
             o.min_epochs_after_best);
  KEEL_CHECK(o.max_acc_gap >= 0 && o.max_acc_gap <= 1, "diagnose: max_acc_gap must be in [0, 1], got ",
             o.max_acc_gap);
  KEEL_CHECK(std::isnan(o.target_train_acc) || (o.target_train_acc > 0 && o.target_train_acc <= 1),
             "diagnose: target_train_acc must be a fraction in (0, 1], got ", o.target_train_acc);
}

void check_accuracies(const MetricsLog& log) {
  for (const auto& m : log) {
    for (double acc : {m.train_acc, m.val_acc}) {
      KEEL_CHECK(std::isnan(acc) || (acc >= 0 && acc <= 1), "diagnose: accuracy ", acc, " at epoch ", m.epoch,
                 " is not a fraction in [0, 1] (percentages must be divided by 100)");
    }
  }
}

// The last row of `rows` whose `field` is finite, or nullptr.
const EpochMetrics* last_finite(std::span<const EpochMetrics> rows, double EpochMetrics::*field) {
  for (auto it = rows.rbegin(); it != rows.rend(); ++it)
    if (std::isfinite((*it).*field)) return &*it;
  return nullptr;
}

}  // namespace

const char* to_string(Verdict v) {
  switch (v) {
    case Verdict::Underfitting:
      return "underfitting";
    case Verdict::Overfitting:
      return "overfitting";
    case Verdict::GoodFit:
      return "good fit";
    default:
      return "inconclusive";
  }
}

std::vector<std::string> remedies_for(Verdict v) {
  switch (v) {
    case Verdict::Overfitting:
      return {
          "more training data (overfitting is a model too complex for the data it has: high variance)",
          "a simpler model: fewer or narrower layers",
          "L1 or L2 regularization, or elastic net: add lambda * sum|w| or lambda * sum w^2 to the loss",
          "weight decay in the optimizer (e.g. SGD with weight_decay=0.01)",
          "dropout between layers (e.g. nn.Dropout(p=0.5))",
          "batch normalization",
          "early stopping: keep the weights of the best validation epoch",
      };
    case Verdict::Underfitting:
      return {
          "a bigger model: more or wider layers (underfitting is a model too simple for the data: high bias)",
          "longer training: more epochs",
          "less regularization: a smaller L1/L2 lambda, weight decay or dropout p (too strong a penalty "
          "underfits)",
          "better initialization: Xavier for sigmoid/tanh, Kaiming for ReLU; constant init never breaks "
          "symmetry and random N(0,1) init saturates deep nets",
          "batch normalization, which converges faster and is less sensitive to the initial weights",
      };
    default:
      return {};
  }
}

Diagnosis diagnose(const MetricsLog& log, const DiagnosisOptions& o) {
  check_options(o);
  check_accuracies(log);
  Diagnosis d;

  // Only the epochs before a non-finite train loss carry information about the fit.
  std::size_t usable = 0;
  while (usable < log.size() && std::isfinite(log[usable].train_loss)) ++usable;
  if (usable < log.size()) {
    d.evidence.push_back("train loss is not finite at " + epoch_str(log[usable].epoch) +
                         " (training diverged); the diagnosis uses the " + std::to_string(usable) +
                         " epoch(s) before it");
  }
  std::span<const EpochMetrics> rows(log.rows().data(), usable);

  if (static_cast<int>(rows.size()) < o.min_epochs) {
    d.verdict = Verdict::Inconclusive;
    d.summary = "inconclusive: only " + std::to_string(rows.size()) + " epoch(s) with a finite train loss; " +
                "at least " + std::to_string(o.min_epochs) + " are needed to read the curves";
    d.evidence.push_back(d.summary.substr(std::string("inconclusive: ").size()));
    return d;
  }

  const EpochMetrics& first = rows.front();
  const EpochMetrics& last = rows.back();
  const double drop = (first.train_loss - last.train_loss) / std::fabs(first.train_loss);
  const std::string train_loss_line = "train loss went from " + value3(first.train_loss) + " at " +
                                      epoch_str(first.epoch) + " to " + value3(last.train_loss) + " at " +
                                      epoch_str(last.epoch) + " (" + signed_percent(-drop) + ")";

  // --- Underfitting: the model does not fit even its training data.
  std::vector<std::string> under;
  if (first.train_loss > 0 && !(drop >= o.min_train_loss_drop)) {
    under.push_back(train_loss_line + ": it barely decreased (less than " +
                    detail::fixed(o.min_train_loss_drop * 100, 0) + "%)");
  }
  if (std::isfinite(last.train_acc)) {
    if (std::isfinite(o.target_train_acc) && last.train_acc < o.target_train_acc - o.max_acc_shortfall) {
      under.push_back("final train accuracy " + percent(last.train_acc) + " at " + epoch_str(last.epoch) +
                      " is " + points(o.target_train_acc - last.train_acc) + " below the " +
                      percent(o.target_train_acc) + " this task allows");
    }
    if (o.num_classes > 0) {
      const double chance = 1.0 / o.num_classes;
      if (last.train_acc < chance + o.min_acc_above_chance) {
        under.push_back("final train accuracy " + percent(last.train_acc) + " at " + epoch_str(last.epoch) +
                        " is within " + points(o.min_acc_above_chance) + " of chance (" + percent(chance) +
                        " for " + std::to_string(o.num_classes) + " classes)");
      }
    }
  }
  if (!under.empty()) {
    d.verdict = Verdict::Underfitting;
    d.summary = "underfitting: " + under.front();
    for (auto& line : under) d.evidence.push_back(std::move(line));
    if (const EpochMetrics* v = last_finite(rows, &EpochMetrics::val_acc)) {
      d.evidence.push_back("val accuracy " + percent(v->val_acc) + " at " + epoch_str(v->epoch) +
                           ": validation is poor as well");
    }
    d.remedies = remedies_for(d.verdict);
    return d;
  }

  // --- Overfitting: validation gets worse while training keeps improving, or a wide gap.
  const EpochMetrics* best = nullptr;
  for (const auto& m : rows)
    if (std::isfinite(m.val_loss) && (best == nullptr || m.val_loss < best->val_loss)) best = &m;
  const EpochMetrics* last_val = last_finite(rows, &EpochMetrics::val_loss);
  const bool have_acc_gap = std::isfinite(last.train_acc) && std::isfinite(last.val_acc);
  if (best == nullptr && !have_acc_gap) {
    d.verdict = Verdict::Inconclusive;
    d.summary = "inconclusive: no validation metrics, so overfitting cannot be told from a good fit";
    d.evidence.push_back(train_loss_line);
    d.evidence.push_back("no finite validation loss or accuracy was recorded");
    return d;
  }

  std::vector<std::string> over, context;
  if (best != nullptr) {
    const double rise = (last_val->val_loss - best->val_loss) / std::fabs(best->val_loss);
    const long epochs_after = last_val - best;  // rows, not epoch numbers: robust to gaps
    if (epochs_after >= o.min_epochs_after_best && rise > o.max_val_loss_rise &&
        last_val->train_loss < best->train_loss) {
      over.push_back("val loss rose from " + value3(best->val_loss) + " at " + epoch_str(best->epoch) +
                     " to " + value3(last_val->val_loss) + " at " + epoch_str(last_val->epoch) + " (" +
                     signed_percent(rise) + ") while train loss fell from " + value3(best->train_loss) +
                     " to " + value3(last_val->train_loss));
    } else if (best == last_val) {
      context.push_back("val loss is at its minimum " + value3(best->val_loss) + " at the last " +
                        epoch_str(best->epoch));
    } else {
      context.push_back("val loss " + value3(last_val->val_loss) + " at " + epoch_str(last_val->epoch) +
                        " is " + signed_percent(rise) + " from its minimum " + value3(best->val_loss) +
                        " at " + epoch_str(best->epoch));
    }
  }
  if (have_acc_gap) {
    const double gap = last.train_acc - last.val_acc;
    std::string line = "train/val accuracy gap " + points(gap) + " at the end (train " +
                       percent(last.train_acc) + ", val " + percent(last.val_acc) + " at " +
                       epoch_str(last.epoch) + ")";
    if (std::isfinite(first.train_acc) && std::isfinite(first.val_acc) && &first != &last) {
      const double gap0 = first.train_acc - first.val_acc;
      // Within a tenth of a point counts as unchanged: "down from 2.0 to 2.0" reads as a bug.
      if (std::fabs(gap - gap0) < 1e-3) {
        line += ", as at " + epoch_str(first.epoch);
      } else {
        line += (gap > gap0 ? ", up from " : ", down from ") + points(gap0) + " at " + epoch_str(first.epoch);
      }
    }
    (gap > o.max_acc_gap ? over : context).push_back(std::move(line));
  }

  if (!over.empty()) {
    d.verdict = Verdict::Overfitting;
    d.summary = "overfitting: " + over.front();
    for (auto& line : over) d.evidence.push_back(std::move(line));
    d.evidence.push_back(train_loss_line);
    for (auto& line : context) d.evidence.push_back(std::move(line));
    if (best != nullptr && best != last_val) {
      d.evidence.push_back("the best val loss was at " + epoch_str(best->epoch) + " of " +
                           std::to_string(last.epoch) + ": early stopping would have kept those weights");
    }
    d.remedies = remedies_for(d.verdict);
    return d;
  }

  d.verdict = Verdict::GoodFit;
  d.summary = "good fit: " + train_loss_line + " and validation kept up";
  d.evidence.push_back(train_loss_line);
  for (auto& line : context) d.evidence.push_back(std::move(line));
  return d;
}

std::string Diagnosis::to_text() const {
  std::string out = "Diagnosis: " + std::string(train::to_string(verdict)) + "\n";
  if (!evidence.empty()) {
    out += "  Evidence:\n";
    for (const auto& e : evidence) out += "    - " + e + "\n";
  }
  if (!remedies.empty()) {
    out += "  Remedies (from the source material):\n";
    for (const auto& r : remedies) out += "    - " + r + "\n";
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Gradient norm warnings.

namespace {

struct NormSample {
  double norm;
  int epoch;
  long long step;  // -1 for per-epoch norms
};

std::string range(const char* unit, long long a, long long b) {
  return a == b ? std::string(unit) + " " + std::to_string(a)
                : std::string(unit) + "s " + std::to_string(a) + "-" + std::to_string(b);
}

std::vector<GradientWarning> warnings_from(const std::vector<NormSample>& samples,
                                           const GradientWarningOptions& o) {
  KEEL_CHECK(o.explode_factor > 1, "gradient_warnings: explode_factor must be > 1, got ", o.explode_factor);
  KEEL_CHECK(o.vanish_below >= 0, "gradient_warnings: vanish_below must be >= 0, got ", o.vanish_below);
  std::vector<GradientWarning> out;
  double first = std::numeric_limits<double>::quiet_NaN(), prev = first;
  bool open = false;  // whether out.back() may still be extended by the next flagged sample
  // Growth is measured from healthy norms only: recovering from a vanished gradient is no explosion.
  auto healthy = [&](double v) { return v > 0 && v >= o.vanish_below; };
  for (const auto& s : samples) {
    if (std::isnan(s.norm)) continue;  // not measured
    const double x = s.norm;
    std::optional<GradientWarning::Kind> kind;
    if (std::isinf(x) || (o.explode_bound > 0 && x > o.explode_bound) ||
        (healthy(prev) && x > o.explode_factor * prev) || (healthy(first) && x > o.explode_factor * first)) {
      kind = GradientWarning::Kind::Exploding;
    } else if (x < o.vanish_below) {
      kind = GradientWarning::Kind::Vanishing;
    }
    if (std::isnan(first)) first = x;
    prev = x;
    if (!kind) {
      open = false;
      continue;
    }
    const bool explode = *kind == GradientWarning::Kind::Exploding;
    if (open && out.back().kind == *kind) {
      GradientWarning& w = out.back();
      w.last_epoch = s.epoch;
      w.last_step = s.step;
      w.worst = explode ? std::max(w.worst, x) : std::min(w.worst, x);
    } else {
      out.push_back({*kind, s.epoch, s.epoch, s.step, s.step, x, {}});
      open = true;
    }
  }
  for (auto& w : out) {
    const bool explode = w.kind == GradientWarning::Kind::Exploding;
    std::string where = range("epoch", w.first_epoch, w.last_epoch);
    if (w.first_step >= 0) where += " (" + range("step", w.first_step, w.last_step) + ")";
    if (explode) {
      w.message = "exploding gradient norm at " + where + ": up to " + value3(w.worst) + " (first measured " +
                  value3(first) + "); consider gradient clipping, a lower learning rate or a better init";
    } else {
      w.message = "vanishing gradient norm at " + where + ": as low as " + value3(w.worst) + " (below " +
                  value3(o.vanish_below) + "); consider Xavier/Kaiming init, ReLU or batch normalization";
    }
  }
  return out;
}

}  // namespace

std::vector<GradientWarning> gradient_warnings(const MetricsLog& log, const GradientWarningOptions& options) {
  std::vector<NormSample> samples;
  samples.reserve(log.size());
  for (const auto& m : log) samples.push_back({m.grad_norm, m.epoch, -1});
  return warnings_from(samples, options);
}

std::vector<GradientWarning> gradient_warnings(const std::vector<double>& step_norms,
                                               long long steps_per_epoch, int first_epoch,
                                               const GradientWarningOptions& options) {
  KEEL_CHECK(steps_per_epoch > 0, "gradient_warnings: steps_per_epoch must be > 0, got ", steps_per_epoch);
  std::vector<NormSample> samples;
  samples.reserve(step_norms.size());
  for (std::size_t i = 0; i < step_norms.size(); ++i) {
    const long long step = static_cast<long long>(i);
    samples.push_back({step_norms[i], first_epoch + static_cast<int>(step / steps_per_epoch), step});
  }
  return warnings_from(samples, options);
}

}  // namespace keel::train
