#pragma once
// Learning curves as a self-contained SVG (no scripts, no external resources): a loss panel and
// an accuracy panel against the epoch, train solid and validation dashed, one color per run.
// Non-finite values are left out (the line breaks there); a one-epoch run shows as dots.
#include <string>
#include <vector>

#include "keel/train/atomic_write.h"
#include "keel/train/metrics.h"

namespace keel::train {

struct Series {
  std::string name;  // the run or variant; shown in the legend
  MetricsLog log;
};

struct CurveOptions {
  std::string title = "Learning curves";
  int width = 960;         // pixels, both panels together
  int panel_height = 300;  // pixels, plot area plus axes of one panel
};

std::string learning_curves_svg(const std::vector<Series>& series, const CurveOptions& options = {});

// Escapes &, <, >, " and ' for XML/HTML text and attribute values.
std::string xml_escape(const std::string& text);

}  // namespace keel::train
