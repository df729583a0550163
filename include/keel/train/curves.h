#pragma once
// Learning curves as a self-contained SVG (no scripts, no external resources): a loss panel and
// an accuracy panel against the epoch, train solid and validation dashed, one color per run.
// Non-finite values are left out (the line breaks there); a one-epoch run shows as dots.
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "keel/train/atomic_write.h"
#include "keel/train/metrics.h"

namespace keel::train {

struct Series {
  std::string name;  // the run or variant; shown in the legend
  MetricsLog log;
  // The epoch in which training stopped on a non-finite loss: the trainer does not log that
  // epoch, so the log alone cannot tell. Empty when it did not stop so.
  std::optional<int> stopped_nonfinite = std::nullopt;
};

struct CurveOptions {
  std::string title = "Learning curves";
  int width = 960;         // pixels, both panels together
  int panel_height = 300;  // pixels, plot area plus axes of one panel
  // The loss scale that "exploding" is measured against; NaN: typical_loss() of the series
  // drawn. The compare report passes the one of all variants to each variant's own chart.
  double typical_loss = NAN;
};

// A diverging run must not flatten the others: a loss above kExplodeFactor times the typical
// loss counts as exploding. The loss axis spans only the runs that did not diverge (and none of
// their exploding spikes); a curve that leaves it is cut at the edge, and a diverged run gets
// a marker at the top of the loss panel and a "diverged at epoch k" legend line.
inline constexpr double kExplodeFactor = 10.0;

// The median of the series' first finite train losses; NaN when no series has one.
double typical_loss(const std::vector<Series>& series);

// Where each series diverged, or nullopt: the first epoch of the stretch at the end of its log
// in which every train loss is non-finite or above kExplodeFactor * typical (NaN typical: only
// non-finite counts), or else its stopped_nonfinite epoch. A loss that recovers is a spike, not
// a divergence; a NaN followed by finite values is a gap.
std::vector<std::optional<int>> divergence_epochs(const std::vector<Series>& series, double typical);

std::string learning_curves_svg(const std::vector<Series>& series, const CurveOptions& options = {});

// Escapes &, <, >, " and ' for XML/HTML text and attribute values.
std::string xml_escape(const std::string& text);

}  // namespace keel::train
