#pragma once
// The outputs of `keel biasvar`: one row per variant in biasvar.csv, the U-curve in
// biasvar.svg (squared and 0-1 panels: error, bias and variance against the variant) and the
// text summary (where the error is lowest, and which term dominates each variant).
#include <string>
#include <vector>

#include "keel/train/bias_variance.h"

namespace keel::train {

struct BiasVarianceRow {
  std::string variant;
  std::string description;  // the variant's overrides
  bool diverged = false;    // a model's loss went non-finite: no decomposition (terms stay NaN)
  BiasVariance terms;
  double train_seconds = 0;  // the K models' training time, summed
};

// A row whose terms are NaN (a diverged variant), for the CSV and plot to show as missing.
BiasVarianceRow diverged_row(std::string variant, std::string description, std::int64_t models);

// variant,models,sq_error,sq_bias2,sq_variance,zero_one_error,zero_one_bias,zero_one_variance,
// zero_one_net_variance,train_seconds
std::string bias_variance_csv(const std::vector<BiasVarianceRow>& rows);
std::string bias_variance_svg(const std::vector<BiasVarianceRow>& rows, const std::string& title);

// The table, where the lowest test error lies (0-1 and squared; a minimum at either end of the
// variants means the bottom of the U may lie beyond the range tried), and for each variant
// whether bias or variance dominates its squared error (with the 0-1 terms beside it).
std::string bias_variance_summary(const std::vector<BiasVarianceRow>& rows);

}  // namespace keel::train
