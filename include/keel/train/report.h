#pragma once
// The `keel compare` report: one self-contained HTML page (inline CSS and SVG, no scripts, no
// external resources) with every variant's learning curves, a summary table and each
// variant's verdict with its evidence. A variant that diverged (see divergence_epochs() in
// curves.h) is marked in the charts and the table and does not set the loss axis.
#include <optional>
#include <string>
#include <vector>

#include "keel/train/claim.h"
#include "keel/train/diagnosis.h"
#include "keel/train/metrics.h"

namespace keel::train {

struct VariantResult {
  std::string name;
  MetricsLog log;
  std::string description;                       // e.g. "L1, lambda = 1e-4"; optional
  std::optional<double> near_zero_weight_share;  // fraction of weights ~0 (L1 runs)
  std::optional<Diagnosis> diagnosis;            // diagnose(log) with defaults when absent
  // The epoch in which training stopped on a non-finite loss (the log ends before it).
  std::optional<int> stopped_nonfinite = std::nullopt;
};

// A compare config's [claim] and how the runs judged it.
struct ClaimReport {
  std::string statement;
  ClaimVerdict verdict;
};

// With a claim, the page ends with its checks and the verdict line.
std::string compare_report_html(const std::string& title, const std::vector<VariantResult>& variants,
                                const ClaimReport* claim = nullptr);

}  // namespace keel::train
