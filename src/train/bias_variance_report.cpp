// biasvar.csv, biasvar.svg and the text summary of `keel biasvar`.
#include "keel/train/bias_variance_report.h"

#include <cmath>
#include <cstdio>

#include "train/svg_plot.h"
#include "train/text_format.h"

namespace keel::train {

using detail::fixed;
using detail::percent;
using detail::round_trip;

BiasVarianceRow diverged_row(std::string variant, std::string description, std::int64_t models) {
  BiasVarianceRow r;
  r.variant = std::move(variant);
  r.description = std::move(description);
  r.diverged = true;
  r.terms.models = models;
  for (double* v : {&r.terms.sq_error, &r.terms.sq_bias2, &r.terms.sq_variance, &r.terms.zero_one_error,
                    &r.terms.zero_one_bias, &r.terms.zero_one_variance, &r.terms.zero_one_net_variance,
                    &r.terms.zero_one_unbiased_variance, &r.terms.zero_one_biased_variance})
    *v = NAN;
  return r;
}

std::string bias_variance_csv(const std::vector<BiasVarianceRow>& rows) {
  std::string out =
      "variant,models,sq_error,sq_bias2,sq_variance,zero_one_error,zero_one_bias,zero_one_variance,"
      "zero_one_net_variance,train_seconds\n";
  for (const auto& r : rows) {
    const BiasVariance& t = r.terms;
    out += r.variant + "," + std::to_string(t.models);
    for (double v : {t.sq_error, t.sq_bias2, t.sq_variance, t.zero_one_error, t.zero_one_bias,
                     t.zero_one_variance, t.zero_one_net_variance})
      (out += ',') += round_trip(v);
    ((out += ',') += fixed(r.train_seconds, 3)) += '\n';
  }
  return out;
}

namespace {

struct Term {
  const char* name;
  double BiasVariance::*field;
  const char* dash;  // null: solid
};

// One panel: three terms against the variants (a categorical x axis, in config order).
void draw_panel(std::string& out, const std::vector<BiasVarianceRow>& rows, const char* heading,
                const Term (&terms)[3], double left, double right, double top, double bottom) {
  using namespace detail::svg;
  SvgWriter svg(out);
  double ymax = 0;
  for (const auto& r : rows)
    for (const Term& t : terms)
      if (std::isfinite(r.terms.*t.field)) ymax = std::max(ymax, r.terms.*t.field);
  const Axis ay = make_axis(0.0, std::max(ymax, 0.01), 0.0, 0.0, INFINITY);
  auto Y = [&](double v) { return ay.map(v, bottom, top); };
  const double n = static_cast<double>(std::max<std::size_t>(rows.size(), 1));
  auto X = [&](std::size_t i) { return left + (static_cast<double>(i) + 0.5) / n * (right - left); };

  svg.text((left + right) / 2, top - 8, heading, "middle", " font-weight=\"bold\"");
  svg.frame_with_y_ticks(ay, left, top, right, bottom, /*percent=*/false);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    svg.line(X(i), bottom, X(i), bottom + 4, "#444");
    svg.text(X(i), bottom + 17, rows[i].variant, "middle");
  }
  for (std::size_t ti = 0; ti < 3; ++ti) {
    const Term& t = terms[ti];
    const std::string color = color_of(ti, 3);
    std::string pts;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const double v = rows[i].terms.*t.field;
      if (!std::isfinite(v)) continue;
      const std::string x = SvgWriter::px(X(i)), y = SvgWriter::px(Y(v));
      pts += (pts.empty() ? "" : " ") + x + "," + y;
      out += "<circle cx=\"" + x + "\" cy=\"" + y + "\" r=\"3\" fill=\"" + color + "\"><title>" +
             xml_escape(std::string(t.name) + " of " + rows[i].variant + ": " + fixed(v, 4)) +
             "</title></circle>\n";
    }
    out += "<polyline fill=\"none\" stroke=\"" + color + "\" stroke-width=\"1.8\"";
    if (t.dash) out += std::string(" stroke-dasharray=\"") + t.dash + "\"";
    out += " points=\"" + pts + "\"/>\n";
    const double lx = left + 4 + 130.0 * static_cast<double>(ti), ly = bottom + 44;
    out += "<line x1=\"" + SvgWriter::px(lx) + "\" y1=\"" + SvgWriter::px(ly - 4) + "\" x2=\"" +
           SvgWriter::px(lx + 24) + "\" y2=\"" + SvgWriter::px(ly - 4) + "\" stroke=\"" + color +
           "\" stroke-width=\"1.8\"" + (t.dash ? std::string(" stroke-dasharray=\"") + t.dash + "\"" : "") +
           "/>\n";
    svg.text(lx + 30, ly, t.name, "start");
  }
}

}  // namespace

std::string bias_variance_svg(const std::vector<BiasVarianceRow>& rows, const std::string& title) {
  using namespace detail::svg;
  std::string out;
  out +=
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"960\" height=\"420\" viewBox=\"0 0 960 420\" "
      "font-family=\"sans-serif\" font-size=\"12\">\n";
  out +=
      "<title>" + xml_escape(title) + "</title>\n<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n";
  SvgWriter(out).text(480, 22, title, "middle", " font-size=\"15\" font-weight=\"bold\"");
  static const Term squared[3] = {{"error", &BiasVariance::sq_error, nullptr},
                                  {"bias\u00b2", &BiasVariance::sq_bias2, kDash},
                                  {"variance", &BiasVariance::sq_variance, "2 3"}};
  static const Term zero_one[3] = {{"error", &BiasVariance::zero_one_error, nullptr},
                                   {"bias", &BiasVariance::zero_one_bias, kDash},
                                   {"variance", &BiasVariance::zero_one_variance, "2 3"}};
  draw_panel(out, rows, "squared error of the class probabilities", squared, 60, 460, 60, 340);
  draw_panel(out, rows, "0-1 loss (Domingos)", zero_one, 540, 940, 60, 340);
  out += "</svg>\n";
  return out;
}

namespace {

// The index of the smallest finite value of `field`, or -1.
long argmin(const std::vector<BiasVarianceRow>& rows, double BiasVariance::*field) {
  long best = -1;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const double v = rows[i].terms.*field;
    if (std::isfinite(v) && (best < 0 || v < rows[static_cast<std::size_t>(best)].terms.*field))
      best = static_cast<long>(i);
  }
  return best;
}

std::string where(const std::vector<BiasVarianceRow>& rows, long i) {
  if (rows.size() < 3) return "";
  if (i == 0) return " (the first variant: the bottom of the U may lie before the range tried)";
  if (i + 1 == static_cast<long>(rows.size()))
    return " (the last variant: the bottom of the U may lie beyond the range tried)";
  return " (inside the range: the bottom of the U)";
}

}  // namespace

std::string bias_variance_summary(const std::vector<BiasVarianceRow>& rows) {
  std::string out;
  char line[256];
  std::snprintf(line, sizeof line, "%-14s %9s %9s %9s  %8s %8s %8s %8s  %s\n", "variant", "sq err", "bias^2",
                "variance", "0-1 err", "bias", "var", "net var", "dominated by");
  out += line;
  for (const auto& r : rows) {
    const BiasVariance& t = r.terms;
    std::snprintf(line, sizeof line, "%-14s %9s %9s %9s  %8s %8s %8s %8s  %s\n", r.variant.c_str(),
                  fixed(t.sq_error, 4).c_str(), fixed(t.sq_bias2, 4).c_str(), fixed(t.sq_variance, 4).c_str(),
                  percent(t.zero_one_error).c_str(), percent(t.zero_one_bias).c_str(),
                  percent(t.zero_one_variance).c_str(), percent(t.zero_one_net_variance).c_str(),
                  r.diverged ? "- (diverged)" : dominant_term(t).c_str());
    out += line;
  }
  const long z = argmin(rows, &BiasVariance::zero_one_error), s = argmin(rows, &BiasVariance::sq_error);
  if (z < 0) return out + "no variant has a decomposition (every one diverged)\n";
  const auto& rz = rows[static_cast<std::size_t>(z)];
  const auto& rs = rows[static_cast<std::size_t>(s)];
  out += "\nlowest 0-1 test error: " + rz.variant + " (" + percent(rz.terms.zero_one_error) + ")" +
         where(rows, z) + "\n";
  out += "lowest squared error: " + rs.variant + " (" + fixed(rs.terms.sq_error, 4) + ")" + where(rows, s) +
         "\n";
  for (const auto& r : rows) {
    if (r.diverged) {
      out += r.variant + ": diverged (a model's loss went non-finite), no decomposition\n";
      continue;
    }
    const BiasVariance& t = r.terms;
    const bool bias = dominant_term(t) == "bias";
    out += r.variant + ": " + (bias ? "bias" : "variance") + "-dominated: bias^2 " + fixed(t.sq_bias2, 4) +
           (bias ? " >= " : " < ") + "variance " + fixed(t.sq_variance, 4) + " (" +
           fixed(100.0 * (bias ? t.sq_bias2 : t.sq_variance) / t.sq_error, 0) +
           "% of the squared error); 0-1: bias " + percent(t.zero_one_bias) + ", variance " +
           percent(t.zero_one_variance) + "\n";
  }
  return out;
}

}  // namespace keel::train
