// learning_curves_svg(): two panels (loss, accuracy) against the epoch, drawn as plain SVG.
#include "keel/train/curves.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>

#include "keel/core/error.h"
#include "train/svg_plot.h"
#include "train/text_format.h"

namespace keel::train {
namespace {

using detail::fixed;
using namespace detail::svg;

struct Metric {
  const char* label;  // "train loss"
  double EpochMetrics::*field;
  bool dashed;
};

struct PanelSpec {
  const char* title;
  std::array<Metric, 2> metrics;
  bool percent;
};

void draw_panel(std::string& out, const PanelSpec& spec, const std::vector<Series>& series, double x0,
                double y0, double w, double h) {
  // Plot area inside the panel, leaving room for the title and tick labels.
  const double left = x0 + 58, right = x0 + w - 12, top = y0 + 26, bottom = y0 + h - 38;
  SvgWriter svg(out);

  double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;
  for (const auto& s : series) {
    for (const auto& m : s.log) {
      for (const auto& metric : spec.metrics) {
        double v = m.*metric.field;
        if (!std::isfinite(v)) continue;
        xmin = std::min(xmin, static_cast<double>(m.epoch));
        xmax = std::max(xmax, static_cast<double>(m.epoch));
        ymin = std::min(ymin, v);
        ymax = std::max(ymax, v);
      }
    }
  }
  const bool has_data = xmin <= xmax;
  const Axis ax = make_axis(xmin, xmax, 1.0, -INFINITY, INFINITY);
  const Axis ay =
      spec.percent ? make_axis(ymin, ymax, 0.0, 0.0, 1.0) : make_axis(ymin, ymax, 0.0, -INFINITY, INFINITY);
  auto X = [&](double v) { return ax.map(v, left, right); };
  auto Y = [&](double v) { return ay.map(v, bottom, top); };

  out += "<g class=\"panel\">\n";
  svg.text((left + right) / 2, y0 + 16, spec.title, "middle", " font-weight=\"bold\"");
  out += "<rect x=\"" + SvgWriter::px(left) + "\" y=\"" + SvgWriter::px(top) + "\" width=\"" +
         SvgWriter::px(right - left) + "\" height=\"" + SvgWriter::px(bottom - top) +
         "\" fill=\"none\" stroke=\"#444\"/>\n";

  // Ticks and grid lines. Indices, not accumulated doubles, so the last tick is not lost to rounding.
  const int ydec = decimals_for(spec.percent ? ay.step * 100 : ay.step);
  const int ny = static_cast<int>(std::lround((ay.hi - ay.lo) / ay.step));
  for (int i = 0; i <= ny; ++i) {
    double v = ay.lo + i * ay.step;
    double y = Y(v);
    if (i > 0 && i < ny) svg.line(left, y, right, y, "#e5e5e5");
    svg.line(left - 4, y, left, y, "#444");
    std::string label = spec.percent ? fixed(v * 100, ydec) + "%" : fixed(v, ydec);
    svg.text(left - 7, y + 4, label, "end");
  }
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

  // One path per run of consecutive finite points; a lone point becomes a dot.
  for (std::size_t si = 0; si < series.size(); ++si) {
    const std::string color = color_of(si, series.size());
    for (const auto& metric : spec.metrics) {
      const std::string tip = xml_escape(series[si].name + ": " + metric.label);
      std::vector<std::pair<double, double>> run;
      auto flush = [&] {
        if (run.size() == 1) {
          out += "<circle cx=\"" + SvgWriter::px(run[0].first) + "\" cy=\"" + SvgWriter::px(run[0].second) +
                 "\" r=\"3\" fill=\"" + color + "\"><title>" + tip + "</title></circle>\n";
        } else if (run.size() > 1) {
          out += "<polyline fill=\"none\" stroke=\"" + color + "\" stroke-width=\"1.8\"";
          if (metric.dashed) out += std::string(" stroke-dasharray=\"") + kDash + "\"";
          out += " points=\"";
          for (std::size_t k = 0; k < run.size(); ++k) {
            if (k) out += ' ';
            out += SvgWriter::px(run[k].first) + "," + SvgWriter::px(run[k].second);
          }
          out += "\"><title>" + tip + "</title></polyline>\n";
        }
        run.clear();
      };
      for (const auto& m : series[si].log) {
        double v = m.*metric.field;
        if (std::isfinite(v)) {
          run.emplace_back(X(m.epoch), Y(v));
        } else {
          flush();
        }
      }
      flush();
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

std::string learning_curves_svg(const std::vector<Series>& series, const CurveOptions& o) {
  KEEL_CHECK(o.width >= 300 && o.panel_height >= 150, "learning_curves_svg: width must be >= 300 and ",
             "panel_height >= 150, got ", o.width, " and ", o.panel_height);
  const double margin = 10, gap = 16, title_h = 30;
  const double panel_w = (o.width - 2 * margin - gap) / 2;
  // Legend: the line-style key, then one entry per run, wrapping at the width.
  const double item_w = 190, row_h = 20;
  const int per_row = std::max(1, static_cast<int>((o.width - 2 * margin) / item_w));
  const int legend_rows = 1 + (static_cast<int>(series.size()) + per_row - 1) / per_row;
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
      false};
  const PanelSpec acc{
      "Accuracy",
      {{{"train accuracy", &EpochMetrics::train_acc, false}, {"val accuracy", &EpochMetrics::val_acc, true}}},
      true};
  draw_panel(out, loss, series, margin, title_h, panel_w, o.panel_height);
  draw_panel(out, acc, series, margin + panel_w + gap, title_h, panel_w, o.panel_height);

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
  out += "</g>\n</svg>\n";
  return out;
}

}  // namespace keel::train
