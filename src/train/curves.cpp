// learning_curves_svg(): two panels (loss, accuracy) against the epoch, drawn as plain SVG.
#include "keel/train/curves.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "keel/core/error.h"
#include "train/svg_plot.h"
#include "train/text_format.h"

namespace keel::train {
namespace {

using detail::fixed;
using namespace detail::svg;  // palette, axes and the element writer, shared with learning_curve.svg

struct Metric {
  const char* label;  // "train loss"
  double EpochMetrics::*field;
  bool dashed;
};

struct PanelSpec {
  const char* title;
  std::array<Metric, 2> metrics;
  bool percent;
  bool loss;  // clipped to the runs that did not diverge, with markers for those that did
};

// What the loss panel needs to keep a diverged run from flattening the others.
struct Divergence {
  std::vector<std::optional<int>> epoch;  // per series
  double cap = INFINITY;                  // losses above it are exploding
  bool any() const {
    return std::any_of(epoch.begin(), epoch.end(), [](const auto& e) { return e.has_value(); });
  }
};

using Point = std::pair<double, double>;  // (epoch, value)

// Losses above this are exploding; none are without a usable typical loss.
double explode_cap(double typical) {
  return std::isfinite(typical) && typical > 0 ? kExplodeFactor * typical : INFINITY;
}

// Cuts a curve to the value range [lo, hi]: the segments between consecutive finite points,
// each clipped at lo and hi, joined into runs where they meet. A finite point within the range
// with no finite neighbor is a run of its own (drawn as a dot).
std::vector<std::vector<Point>> clip_to_range(const std::vector<std::optional<Point>>& pts, double lo,
                                              double hi) {
  std::vector<std::vector<Point>> runs;
  std::vector<Point> run;
  bool joined = false;  // the current run ends at pts[i], unclipped
  auto flush = [&] {
    if (!run.empty()) runs.push_back(std::move(run));
    run.clear();
    joined = false;
  };
  auto inside = [&](double v) { return v >= lo && v <= hi; };
  for (std::size_t i = 0; i < pts.size(); ++i) {
    const bool has_prev = i > 0 && pts[i - 1], has_next = i + 1 < pts.size() && pts[i + 1];
    if (!pts[i]) {
      flush();
      continue;
    }
    const Point a = *pts[i];
    if (!has_prev && !has_next && inside(a.second)) {
      flush();
      runs.push_back({a});
      continue;
    }
    if (!has_next) {
      flush();
      continue;
    }
    const Point b = *pts[i + 1];
    // The part t in [t0, t1] of a + t (b - a) whose value is within [lo, hi].
    double t0 = 0, t1 = 1;
    const double dv = b.second - a.second;
    for (const double edge : {lo, hi}) {
      if (dv == 0) continue;
      const double t = (edge - a.second) / dv;
      const bool entering = (edge == lo) == (dv > 0);
      if (entering) {
        t0 = std::max(t0, t);
      } else {
        t1 = std::min(t1, t);
      }
    }
    if ((dv == 0 && !inside(a.second)) || t0 > t1) {
      flush();
      continue;
    }
    auto at = [&](double t) { return Point{a.first + t * (b.first - a.first), a.second + t * dv}; };
    if (!(joined && t0 == 0)) {
      flush();
      run.push_back(at(t0));
    }
    run.push_back(at(t1));
    joined = t1 == 1;
    if (!joined) flush();
  }
  flush();
  return runs;
}

void draw_panel(std::string& out, const PanelSpec& spec, const std::vector<Series>& series,
                const Divergence& div, double x0, double y0, double w, double h) {
  // Plot area inside the panel, leaving room for the title and tick labels.
  const double left = x0 + 58, right = x0 + w - 12, top = y0 + 26, bottom = y0 + h - 38;
  SvgWriter svg(out);
  auto diverged_at = [&](std::size_t si) { return spec.loss ? div.epoch[si] : std::nullopt; };

  // The value range: in the loss panel only the runs that did not diverge, without their
  // exploding spikes; failing those, the diverged runs before they diverged; failing those, all.
  double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;
  int level = spec.loss ? 0 : 2;
  for (; level <= 2 && !(ymin <= ymax); ++level) {
    for (std::size_t si = 0; si < series.size(); ++si) {
      const auto k = diverged_at(si);
      if (level == 0 && k) continue;
      for (const auto& m : series[si].log) {
        if (level == 1 && k && m.epoch >= *k) continue;
        for (const auto& metric : spec.metrics) {
          const double v = m.*metric.field;
          if (!std::isfinite(v) || (level < 2 && v > div.cap)) continue;
          ymin = std::min(ymin, v);
          ymax = std::max(ymax, v);
        }
      }
    }
  }
  for (std::size_t si = 0; si < series.size(); ++si) {
    const auto k = diverged_at(si);
    for (const auto& m : series[si].log) {
      if (k && m.epoch > *k) break;
      for (const auto& metric : spec.metrics) {
        if (!std::isfinite(m.*metric.field)) continue;
        xmin = std::min(xmin, static_cast<double>(m.epoch));
        xmax = std::max(xmax, static_cast<double>(m.epoch));
      }
    }
    if (k) {  // the marker's epoch (after the log's end when training stopped in it)
      xmin = std::min(xmin, static_cast<double>(*k));
      xmax = std::max(xmax, static_cast<double>(*k));
    }
  }
  const bool has_data = xmin <= xmax;
  const Axis ax = make_axis(xmin, xmax, 1.0, -INFINITY, INFINITY);
  const Axis ay =
      spec.percent ? make_axis(ymin, ymax, 0.0, 0.0, 1.0) : make_axis(ymin, ymax, 0.0, -INFINITY, INFINITY);
  auto X = [&](double v) { return ax.map(v, left, right); };
  auto Y = [&](double v) { return ay.map(v, bottom, top); };

  out += "<g class=\"panel\">\n";
  // Say so when the axis leaves diverged runs out (the loop stopped after level 0).
  const bool fitted = spec.loss && div.any() && level == 1;
  svg.text((left + right) / 2, y0 + 16,
           fitted ? std::string(spec.title) + " (axis fits the runs that did not diverge)" : spec.title,
           "middle", " font-weight=\"bold\"");
  svg.frame_with_y_ticks(ay, left, top, right, bottom, spec.percent);
  const int nx = static_cast<int>(std::lround((ax.hi - ax.lo) / ax.step));
  for (int i = 0; i <= nx; ++i) {
    double v = ax.lo + i * ax.step;
    double x = X(v);
    if (i > 0 && i < nx) svg.line(x, top, x, bottom, "#e5e5e5");
    svg.line(x, bottom, x, bottom + 4, "#444");
    svg.text(x, bottom + 17, fixed(v, decimals_for(ax.step)), "middle");
  }
  svg.text((left + right) / 2, y0 + h - 6, "epoch", "middle");
  if (!has_data) svg.text((left + right) / 2, (top + bottom) / 2, "no data", "middle", " fill=\"#888\"");

  // One path per visible run of a curve; a lone point becomes a dot. The range is widened by a
  // hair so that a point on the axis' last tick is not cut by rounding.
  const double eps = 1e-9 * (ay.hi - ay.lo);
  for (std::size_t si = 0; si < series.size(); ++si) {
    const std::string color = color_of(si, series.size());
    const auto k = diverged_at(si);
    for (const auto& metric : spec.metrics) {
      const std::string tip = xml_escape(series[si].name + ": " + metric.label);
      std::vector<std::optional<Point>> pts;
      for (const auto& m : series[si].log) {
        if (k && m.epoch > *k) break;  // a diverged run's loss means nothing after it diverged
        const double v = m.*metric.field;
        pts.push_back(std::isfinite(v) ? std::optional<Point>(Point{static_cast<double>(m.epoch), v})
                                       : std::nullopt);
      }
      for (const auto& run : clip_to_range(pts, ay.lo - eps, ay.hi + eps)) {
        if (run.size() == 1) {
          out += "<circle cx=\"" + SvgWriter::px(X(run[0].first)) + "\" cy=\"" +
                 SvgWriter::px(Y(run[0].second)) + "\" r=\"3\" fill=\"" + color + "\"><title>" + tip +
                 "</title></circle>\n";
          continue;
        }
        out += "<polyline fill=\"none\" stroke=\"" + color + "\" stroke-width=\"1.8\"";
        if (metric.dashed) out += std::string(" stroke-dasharray=\"") + kDash + "\"";
        out += " points=\"";
        for (std::size_t j = 0; j < run.size(); ++j) {
          if (j) out += ' ';
          out += SvgWriter::px(X(run[j].first)) + "," + SvgWriter::px(Y(run[j].second));
        }
        out += "\"><title>" + tip + "</title></polyline>\n";
      }
    }
    if (k) {  // where the run left the plot: a triangle on the top edge at the epoch it diverged
      const double x = X(*k);
      out += "<polygon class=\"diverged\" points=\"" + SvgWriter::px(x - 6) + "," + SvgWriter::px(top) + " " +
             SvgWriter::px(x + 6) + "," + SvgWriter::px(top) + " " + SvgWriter::px(x) + "," +
             SvgWriter::px(top + 10) + "\" fill=\"" + color +
             "\" stroke=\"#222\" stroke-width=\"0.8\"><title>" + xml_escape(series[si].name) +
             ": diverged at epoch " + std::to_string(*k) + "</title></polygon>\n";
    }
  }
  out += "</g>\n";
}

}  // namespace

std::string xml_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        // Control characters other than tab/newline are not allowed in XML 1.0 at all.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') {
          out += ' ';
        } else {
          out += c;
        }
    }
  }
  return out;
}

double typical_loss(const std::vector<Series>& series) {
  std::vector<double> first;
  for (const auto& s : series) {
    for (const auto& m : s.log) {
      if (std::isfinite(m.train_loss)) {
        first.push_back(m.train_loss);
        break;
      }
    }
  }
  if (first.empty()) return NAN;
  std::sort(first.begin(), first.end());
  const std::size_t n = first.size();
  return n % 2 ? first[n / 2] : (first[n / 2 - 1] + first[n / 2]) / 2;
}

std::vector<std::optional<int>> divergence_epochs(const std::vector<Series>& series, double typical) {
  const double cap = explode_cap(typical);
  std::vector<std::optional<int>> out;
  for (const auto& s : series) {
    // Walk back over the bad stretch at the end of the log.
    std::size_t start = s.log.size();
    while (start > 0 && !(std::isfinite(s.log[start - 1].train_loss) && s.log[start - 1].train_loss <= cap))
      --start;
    // A log without any finite train loss did not measure it; that is not a divergence.
    const bool measured = std::any_of(s.log.begin(), s.log.end(),
                                      [](const EpochMetrics& m) { return std::isfinite(m.train_loss); });
    if (start < s.log.size() && measured) {
      out.emplace_back(s.log[start].epoch);
    } else {
      out.push_back(s.stopped_nonfinite);
    }
  }
  return out;
}

std::string learning_curves_svg(const std::vector<Series>& series, const CurveOptions& o) {
  KEEL_CHECK(o.width >= 300 && o.panel_height >= 150, "learning_curves_svg: width must be >= 300 and ",
             "panel_height >= 150, got ", o.width, " and ", o.panel_height);
  const double margin = 10, gap = 16, title_h = 30;
  const double panel_w = (o.width - 2 * margin - gap) / 2;
  // Legend: the line-style key, then one entry per run, wrapping at the width.
  const double item_w = 190, row_h = 20;
  const int per_row = std::max(1, static_cast<int>((o.width - 2 * margin) / item_w));
  const double typical = std::isnan(o.typical_loss) ? typical_loss(series) : o.typical_loss;
  Divergence div;
  div.epoch = divergence_epochs(series, typical);
  div.cap = explode_cap(typical);
  const int diverged_rows = static_cast<int>(
      std::count_if(div.epoch.begin(), div.epoch.end(), [](const auto& e) { return e.has_value(); }));
  const int legend_rows = 1 + (static_cast<int>(series.size()) + per_row - 1) / per_row + diverged_rows;
  const double height = title_h + o.panel_height + legend_rows * row_h + margin;

  std::string out;
  SvgWriter svg(out);
  out += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(o.width) + "\" height=\"" +
         SvgWriter::px(height) + "\" viewBox=\"0 0 " + std::to_string(o.width) + " " + SvgWriter::px(height) +
         "\" font-family=\"sans-serif\" font-size=\"12\">\n";
  out += "<title>" + xml_escape(o.title) + "</title>\n";
  out += "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n";
  svg.text(o.width / 2.0, 20, o.title, "middle", " font-size=\"15\" font-weight=\"bold\"");

  const PanelSpec loss{
      "Loss",
      {{{"train loss", &EpochMetrics::train_loss, false}, {"val loss", &EpochMetrics::val_loss, true}}},
      false,
      true};
  const PanelSpec acc{
      "Accuracy",
      {{{"train accuracy", &EpochMetrics::train_acc, false}, {"val accuracy", &EpochMetrics::val_acc, true}}},
      true,
      false};
  draw_panel(out, loss, series, div, margin, title_h, panel_w, o.panel_height);
  draw_panel(out, acc, series, div, margin + panel_w + gap, title_h, panel_w, o.panel_height);

  out += "<g class=\"legend\">\n";
  double ly = title_h + o.panel_height + 14;
  svg.line(margin, ly - 4, margin + 28, ly - 4, "#444", 1.8);
  svg.text(margin + 34, ly, "train", "start");
  out += "<line x1=\"" + SvgWriter::px(margin + 90) + "\" y1=\"" + SvgWriter::px(ly - 4) + "\" x2=\"" +
         SvgWriter::px(margin + 118) + "\" y2=\"" + SvgWriter::px(ly - 4) +
         "\" stroke=\"#444\" stroke-width=\"1.8\" stroke-dasharray=\"" + kDash + "\"/>\n";
  svg.text(margin + 124, ly, "validation", "start");
  for (std::size_t i = 0; i < series.size(); ++i) {
    double x = margin + static_cast<double>(i % per_row) * item_w;
    double y = ly + row_h * static_cast<double>(1 + i / per_row);
    const std::string color = color_of(i, series.size());
    out += "<rect x=\"" + SvgWriter::px(x) + "\" y=\"" + SvgWriter::px(y - 10) +
           "\" width=\"14\" height=\"10\" fill=\"" + color + "\"/>\n";
    std::string name = series[i].name;
    if (name.size() > 26) {  // keeps legend entries in their slots; cut at a UTF-8 character boundary
      std::size_t cut = 25;
      while (cut > 0 && (static_cast<unsigned char>(name[cut]) & 0xC0) == 0x80) --cut;
      name = name.substr(0, cut) + "...";
    }
    svg.text(x + 20, y, name, "start");
  }
  // A line of its own for each diverged run, below the entries, with the marker's triangle.
  double dy = ly + row_h * static_cast<double>((series.size() + per_row - 1) / per_row);
  for (std::size_t i = 0; i < series.size(); ++i) {
    if (!div.epoch[i]) continue;
    dy += row_h;
    out += "<polygon points=\"" + SvgWriter::px(margin + 1) + "," + SvgWriter::px(dy - 10) + " " +
           SvgWriter::px(margin + 13) + "," + SvgWriter::px(dy - 10) + " " + SvgWriter::px(margin + 7) + "," +
           SvgWriter::px(dy) + "\" fill=\"" + color_of(i, series.size()) +
           "\" stroke=\"#222\" stroke-width=\"0.8\"/>\n";
    svg.text(margin + 20, dy,
             series[i].name + ": diverged at epoch " + std::to_string(*div.epoch[i]) +
                 " (its loss is left off the chart from there on)",
             "start");
  }
  out += "</g>\n</svg>\n";
  return out;
}

}  // namespace keel::train
