#pragma once
// Learning curves over the training-set size (`keel curve`), as users of sklearn's
// model_selection.learning_curve read them: train a config on growing subsets of its training
// part (the validation split stays the same for every size), plot the final train and
// validation error against the size, and diagnose high bias, high variance or a good fit.
//
// The run directory receives:
//   size_<n>/               each size's run (the trainer's run directory: metrics, checkpoints, ...)
//   learning_curve.csv      size,train_error,val_error,best_val_error,seconds
//   learning_curve.svg      train and validation error against the size (log-x axis)
//
// The diagnosis reads the largest size:
// - high variance: the validation error exceeds the train error by more than max_gap (more data,
//   or regularization, closes the gap; the text says whether the gap shrank with more data);
// - high bias: otherwise, when the train error is at least high_error (both errors high and
//   close: more data will not help; more capacity or less regularization will);
// - good fit: both low and close.
#include <cmath>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "keel/train/config.h"

namespace keel::train {

struct LearningCurvePoint {
  std::int64_t size = 0;        // training samples
  double train_error = NAN;     // the final weights on the size's training subset (eval mode)
  double val_error = NAN;       // 1 - the final epoch's validation accuracy
  double best_val_error = NAN;  // 1 - the best validation accuracy over the epochs
  double seconds = 0;           // wall time of the size's run
};

enum class CurveVerdict { HighBias, HighVariance, GoodFit };
// "high bias", "high variance", "good fit".
const char* to_string(CurveVerdict v);

struct CurveDiagnosisOptions {
  // Train error at the largest size from which the model underfits (the MLP and the CNN reach
  // below 10% on Fashion-MNIST); other data sets may need another value.
  double high_error = 0.10;
  double max_gap = 0.05;     // val - train error above which the model has high variance
  double min_shrink = 0.01;  // a gap that fell by this much from the smallest size "closes"
};

struct CurveDiagnosis {
  CurveVerdict verdict = CurveVerdict::GoodFit;
  std::string summary;                // the verdict with its numbers
  std::vector<std::string> remedies;  // what to try for this verdict
  std::string to_text() const;
};

// Needs at least one point with finite errors; points are taken in order of size.
CurveDiagnosis diagnose_learning_curve(std::vector<LearningCurvePoint> points,
                                       const CurveDiagnosisOptions& options = {});

// The default sizes: 1k, 2k, 5k, 10k, 20k and all.
std::vector<std::int64_t> default_curve_sizes();
// `requested` (0 or more than `available` meaning all of it) clamped to `available`, sorted and
// deduplicated. Throws keel::Error for a negative size or when nothing is left.
std::vector<std::int64_t> curve_sizes(const std::vector<std::int64_t>& requested, std::int64_t available);

std::string learning_curve_csv(const std::vector<LearningCurvePoint>& points);
std::string learning_curve_svg(const std::vector<LearningCurvePoint>& points, const std::string& title);

struct LearningCurveOptions {
  std::vector<std::int64_t> sizes;  // empty: default_curve_sizes()
  std::string run_dir;              // empty: <run.dir>/<run.name>
  bool overwrite = false;           // replace a learning curve already in the run directory
  std::ostream* out = nullptr;      // progress and the result; null: std::cout
  std::ostream* err = nullptr;      // warnings; null: std::cerr
  int progress = -1;                // as TrainerOptions::progress
  bool handle_sigint = true;
};

struct LearningCurveResult {
  int exit_code = 0;  // 0, or 130 when interrupted (the sizes done so far are written)
  std::string run_dir;
  std::vector<LearningCurvePoint> points;
  CurveDiagnosis diagnosis;
};

// Trains `config` at every size in its own sub-run (size_<n>/) and writes the CSV and SVG. A run
// directory that already holds a learning curve or a size's run is refused before any training
// unless options.overwrite.
LearningCurveResult run_learning_curve(const Config& config, const LearningCurveOptions& options = {});

}  // namespace keel::train
