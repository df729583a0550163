// compare_report_html(): the `keel compare` page. Everything is inline (CSS, SVG) so the file
// can be mailed or opened offline.
#include "keel/train/report.h"

#include <cmath>

#include "keel/train/curves.h"
#include "train/text_format.h"

namespace keel::train {
namespace {

const std::string kNone = "\xE2\x80\x94";  // an em dash for "not measured"

std::string pct_or_none(double fraction) {
  return std::isfinite(fraction) ? detail::percent(fraction) : kNone;
}

std::string verdict_class(Verdict v) {
  switch (v) {
    case Verdict::Underfitting:
      return "under";
    case Verdict::Overfitting:
      return "over";
    case Verdict::GoodFit:
      return "good";
    default:
      return "inconclusive";
  }
}

constexpr const char* kStyle = R"(
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 24px auto; max-width: 1000px;
       color: #222; line-height: 1.45; }
h1 { font-size: 1.5em; margin-bottom: 4px; }
h2 { font-size: 1.2em; margin-top: 28px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
h3 { font-size: 1.05em; margin-bottom: 4px; }
.meta { color: #666; margin-top: 0; }
table { border-collapse: collapse; width: 100%; font-size: 0.92em; }
th, td { border: 1px solid #ddd; padding: 5px 8px; text-align: right; }
th { background: #f4f4f4; }
td:first-child, th:first-child, td:last-child, th:last-child { text-align: left; }
tr.best td { background: #eef7ee; }
.verdict { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 0.85em; color: #fff; }
.verdict.over { background: #c0392b; } .verdict.under { background: #d68910; }
.verdict.good { background: #1e8449; } .verdict.inconclusive { background: #7f8c8d; }
.variant { border: 1px solid #e3e3e3; border-radius: 6px; padding: 4px 16px 12px; margin: 14px 0; }
.desc { color: #555; margin: 2px 0; }
.warn { color: #a04000; }
.diverged { color: #a93226; font-size: 0.85em; }
svg { max-width: 100%; height: auto; }
)";

}  // namespace

std::string compare_report_html(const std::string& title, const std::vector<VariantResult>& variants,
                                const ClaimReport* claim) {
  std::vector<Diagnosis> diagnoses;
  std::vector<RunSummary> summaries;
  std::vector<Series> series;
  std::size_t best_row = variants.size();
  for (std::size_t i = 0; i < variants.size(); ++i) {
    const auto& v = variants[i];
    diagnoses.push_back(v.diagnosis ? *v.diagnosis : diagnose(v.log));
    summaries.push_back(summarize(v.log));
    series.push_back({v.name, v.log, v.stopped_nonfinite});
    const double acc = summaries.back().best_val_acc;
    if (std::isfinite(acc) && (best_row == variants.size() || acc > summaries[best_row].best_val_acc))
      best_row = i;
  }

  // One loss scale for the combined chart and every variant's own, so they agree on who diverged.
  const double typical = typical_loss(series);
  const auto diverged = divergence_epochs(series, typical);
  auto diverged_text = [&](std::size_t i) { return "diverged at epoch " + std::to_string(*diverged[i]); };

  std::string h;
  h += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<title>" + xml_escape(title) +
       "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n";
  h += "<h1>" + xml_escape(title) + "</h1>\n";
  h += "<p class=\"meta\">" + std::to_string(variants.size()) +
       " variant(s). Accuracies are on the validation "
       "split; the gap is final train accuracy minus final val accuracy.</p>\n";

  h += "<h2>Learning curves</h2>\n<div class=\"curves\">\n";
  CurveOptions all;
  all.title = title;
  all.typical_loss = typical;
  h += learning_curves_svg(series, all);
  h += "</div>\n";

  h += "<h2>Summary</h2>\n<table>\n<thead><tr><th>Variant</th><th>Best val acc</th><th>Final val acc</th>"
       "<th>Train/val gap (end)</th><th>Best epoch</th><th>Near-zero "
       "weights</th><th>Verdict</th></tr></thead>\n"
       "<tbody>\n";
  for (std::size_t i = 0; i < variants.size(); ++i) {
    const auto& s = summaries[i];
    const auto& d = diagnoses[i];
    h += i == best_row ? "<tr class=\"best\">" : "<tr>";
    h += "<td>" + xml_escape(variants[i].name);
    if (diverged[i]) h += "<br/><span class=\"diverged\">" + diverged_text(i) + "</span>";
    h += "</td>";
    h += "<td>" + pct_or_none(s.best_val_acc) + "</td>";
    h += "<td>" + pct_or_none(s.final_val_acc) + "</td>";
    h += "<td>" +
         (std::isfinite(s.final_acc_gap) ? detail::fixed(s.final_acc_gap * 100, 1) + " pts" : kNone) +
         "</td>";
    h += "<td>" + (s.best_val_acc_epoch >= 0 ? std::to_string(s.best_val_acc_epoch) : kNone) + "</td>";
    const auto& nz = variants[i].near_zero_weight_share;
    h += "<td>" + (nz && std::isfinite(*nz) ? detail::percent(*nz) : kNone) + "</td>";
    h += "<td><span class=\"verdict " + verdict_class(d.verdict) + "\">" + to_string(d.verdict) +
         "</span></td></tr>\n";
  }
  h += "</tbody>\n</table>\n";

  h += "<h2>Verdicts</h2>\n";
  for (std::size_t i = 0; i < variants.size(); ++i) {
    const auto& v = variants[i];
    const auto& d = diagnoses[i];
    h += "<section class=\"variant\">\n<h3>" + xml_escape(v.name) + " <span class=\"verdict " +
         verdict_class(d.verdict) + "\">" + to_string(d.verdict) + "</span></h3>\n";
    if (!v.description.empty()) h += "<p class=\"desc\">" + xml_escape(v.description) + "</p>\n";
    if (diverged[i])
      h += "<p class=\"warn\">Training " + diverged_text(i) +
           ": its loss became non-finite or exploding there (above " + detail::fixed(kExplodeFactor, 0) +
           " times the typical first-epoch loss), so its loss curve stops at that epoch and the loss axis "
           "fits the other variants.</p>\n";
    if (!d.evidence.empty()) {
      h += "<p>Evidence:</p>\n<ul>\n";
      for (const auto& e : d.evidence) h += "<li>" + xml_escape(e) + "</li>\n";
      h += "</ul>\n";
    }
    if (!d.remedies.empty()) {
      h += "<p>Remedies (from the source material):</p>\n<ul>\n";
      for (const auto& r : d.remedies) h += "<li>" + xml_escape(r) + "</li>\n";
      h += "</ul>\n";
    }
    const auto warnings = gradient_warnings(v.log);
    if (!warnings.empty()) {
      h += "<ul class=\"warn\">\n";
      for (const auto& w : warnings) h += "<li>" + xml_escape(w.message) + "</li>\n";
      h += "</ul>\n";
    }
    CurveOptions one;
    one.title = v.name;
    one.width = 640;
    one.panel_height = 200;
    one.typical_loss = typical;
    h += learning_curves_svg({Series{v.name, v.log, v.stopped_nonfinite}}, one);
    h += "</section>\n";
  }
  if (claim) {
    const auto& v = claim->verdict;
    h += "<h2>Claim</h2>\n<p>" + xml_escape(claim->statement) + "</p>\n<ul>\n";
    for (std::size_t i = 0; i < v.checks.size(); ++i)
      h += std::string("<li>") + (v.held[i] ? "holds: " : "fails: ") + xml_escape(v.checks[i]) + "</li>\n";
    h += "</ul>\n<p class=\"claim-verdict\"><span class=\"verdict " +
         std::string(v.reproduced ? "good" : "over") + "\">" +
         (v.reproduced ? "reproduced" : "not reproduced") + "</span> " + xml_escape(v.line()) + "</p>\n";
  }
  h += "</body>\n</html>\n";
  return h;
}

}  // namespace keel::train
