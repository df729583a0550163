#pragma once
// Per-epoch training metrics and their CSV file (runs/<name>/metrics.csv).
//
// The CSV has the header
//   epoch,train_loss,train_acc,val_loss,val_acc,lr,grad_norm,seconds
// and one row per epoch. Numbers are written in their shortest round-trip form, so reading a
// file back (for --resume) gives bit-identical values. A value that was not measured is NaN
// ("nan" in the file). Accuracies are fractions in [0, 1], not percentages.
#include <cstddef>
#include <filesystem>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace keel::train {

struct EpochMetrics {
  static constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();
  int epoch = 0;  // as the trainer numbers them (keel's trainer counts from 1)
  double train_loss = kMissing;
  double train_acc = kMissing;
  double val_loss = kMissing;
  double val_acc = kMissing;
  double lr = kMissing;
  double grad_norm = kMissing;  // total L2 norm of the gradients before clipping (epoch mean)
  double seconds = kMissing;    // wall time of the epoch
};

// The history of one run, in epoch order.
class MetricsLog {
 public:
  MetricsLog() = default;
  explicit MetricsLog(std::vector<EpochMetrics> rows) : rows_(std::move(rows)) {}

  void push_back(const EpochMetrics& m) { rows_.push_back(m); }
  std::size_t size() const { return rows_.size(); }
  bool empty() const { return rows_.empty(); }
  const EpochMetrics& operator[](std::size_t i) const { return rows_[i]; }
  EpochMetrics& operator[](std::size_t i) { return rows_[i]; }
  const EpochMetrics& back() const { return rows_.back(); }
  auto begin() const { return rows_.begin(); }
  auto end() const { return rows_.end(); }
  const std::vector<EpochMetrics>& rows() const { return rows_; }
  // Drops the epochs after `epoch` (a resumed run continues from its last checkpoint).
  void truncate_after(int epoch);

  static constexpr std::string_view kCsvHeader =
      "epoch,train_loss,train_acc,val_loss,val_acc,lr,grad_norm,seconds";

  std::string to_csv() const;
  // Parses CSV text; `source` names it in error messages ("metrics.csv:4:3: ...").
  static MetricsLog parse_csv(std::string_view text, const std::string& source = "<csv>");

  // Writes the file atomically (temporary file + rename): a crash leaves the old file or the
  // new one, never half of one. Throws keel::Error naming the path on failure.
  void write_csv(const std::filesystem::path& path) const;
  // Strict: the exact header, 8 fields per row, numbers only, strictly increasing epochs.
  // Throws keel::Error naming the path, line and column of the first problem.
  static MetricsLog read_csv(const std::filesystem::path& path);

 private:
  std::vector<EpochMetrics> rows_;
};

// Headline figures of a run, as shown in the compare table. Epochs are the logged epoch
// numbers; -1 and NaN when there are no finite values to take them from.
struct RunSummary {
  int epochs = 0;
  double best_val_acc = EpochMetrics::kMissing;
  int best_val_acc_epoch = -1;
  double best_val_loss = EpochMetrics::kMissing;
  int best_val_loss_epoch = -1;
  double final_train_loss = EpochMetrics::kMissing;
  double final_val_loss = EpochMetrics::kMissing;
  double final_train_acc = EpochMetrics::kMissing;
  double final_val_acc = EpochMetrics::kMissing;
  double final_acc_gap = EpochMetrics::kMissing;  // final train acc - final val acc (fraction)
  double total_seconds = 0.0;
};
RunSummary summarize(const MetricsLog& log);

}  // namespace keel::train
