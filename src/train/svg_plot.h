#pragma once
// The drawing pieces shared by keel's SVG plots (curves.svg, learning_curve.svg): the palette,
// "nice" axis ticks and an SVG element writer.
#include <array>
#include <cmath>
#include <string>

#include "keel/train/curves.h"
#include "train/text_format.h"

namespace keel::train::detail::svg {

// Tableau's 10 categorical colors: distinguishable, and readable on white.
inline constexpr std::array<const char*, 10> kPalette = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728",
                                                         "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                                                         "#bcbd22", "#17becf"};
inline constexpr const char* kDash = "6 4";

// Run i of n: the palette while it lasts, then hues spread by the golden angle so that many
// variants (a compare run has ~15) still get distinct colors.
inline std::string color_of(std::size_t i, std::size_t n) {
  if (n <= kPalette.size()) return kPalette[i];
  return "hsl(" + std::to_string(static_cast<int>(std::fmod(i * 137.508, 360.0))) + ",70%," +
         (i % 2 ? "38%" : "48%") + ")";
}

// A "nice" step (1, 2 or 5 times a power of ten) giving about `target` intervals over `span`.
inline double nice_step(double span, int target) {
  double raw = span / target;
  double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double f = raw / mag;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

struct Axis {
  double lo = 0, hi = 1, step = 0.2;
  // Maps [lo, hi] to [p0, p1] (pixels; p1 < p0 for a y axis).
  double map(double v, double p0, double p1) const { return p0 + (v - lo) / (hi - lo) * (p1 - p0); }
};

// Widens [lo, hi] to whole steps. `min_step` keeps integer axes (epochs) at integer ticks;
// `clamp` bounds the domain (accuracy stays within [0, 1]).
inline Axis make_axis(double lo, double hi, double min_step, double clamp_lo, double clamp_hi) {
  if (!(lo <= hi)) lo = 0, hi = 1;  // no data
  if (hi - lo < 1e-12) {
    double pad = std::max(std::fabs(lo) * 0.1, min_step > 0 ? min_step : 0.05);
    lo -= pad;
    hi += pad;
  }
  Axis a;
  a.step = std::max(nice_step(hi - lo, 5), min_step);
  a.lo = std::max(std::floor(lo / a.step + 1e-9) * a.step, clamp_lo);
  a.hi = std::min(std::ceil(hi / a.step - 1e-9) * a.step, clamp_hi);
  if (a.hi <= a.lo) a.hi = a.lo + a.step;
  return a;
}

inline int decimals_for(double step) {
  return std::max(0, static_cast<int>(-std::floor(std::log10(step) + 1e-9)));
}

class SvgWriter {
 public:
  explicit SvgWriter(std::string& out) : out_(out) {}
  void line(double x1, double y1, double x2, double y2, const char* stroke, double width = 1) {
    out_ += "<line x1=\"" + px(x1) + "\" y1=\"" + px(y1) + "\" x2=\"" + px(x2) + "\" y2=\"" + px(y2) +
            "\" stroke=\"" + stroke + "\" stroke-width=\"" + px(width) + "\"/>\n";
  }
  void text(double x, double y, const std::string& s, const char* anchor, const char* extra = "") {
    out_ += "<text x=\"" + px(x) + "\" y=\"" + px(y) + "\" text-anchor=\"" + anchor + "\"" + extra + ">" +
            xml_escape(s) + "</text>\n";
  }
  // The plot area's frame, with the y axis' ticks, labels and grid lines; `percent` labels a
  // fraction as a percentage (accuracy, error). Ticks by index, not accumulated doubles, so
  // the last one is not lost to rounding.
  void frame_with_y_ticks(const Axis& ay, double left, double top, double right, double bottom,
                          bool percent) {
    out_ += "<rect x=\"" + px(left) + "\" y=\"" + px(top) + "\" width=\"" + px(right - left) +
            "\" height=\"" + px(bottom - top) + "\" fill=\"none\" stroke=\"#444\"/>\n";
    const int decimals = decimals_for(percent ? ay.step * 100 : ay.step);
    const int ny = static_cast<int>(std::lround((ay.hi - ay.lo) / ay.step));
    for (int i = 0; i <= ny; ++i) {
      const double v = ay.lo + i * ay.step, y = ay.map(v, bottom, top);
      if (i > 0 && i < ny) line(left, y, right, y, "#e5e5e5");
      line(left - 4, y, left, y, "#444");
      text(left - 7, y + 4, percent ? fixed(v * 100, decimals) + "%" : fixed(v, decimals), "end");
    }
  }
  static std::string px(double v) { return detail::fixed(v, 1); }

 private:
  std::string& out_;
};

}  // namespace keel::train::detail::svg
