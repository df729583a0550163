// `keel curve`: a config trained at growing training-set sizes, its learning curve and diagnosis.
#include "keel/train/learning_curve.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "keel/core/error.h"
#include "keel/train/atomic_write.h"
#include "keel/train/evaluate.h"
#include "keel/train/metrics.h"
#include "keel/train/model_factory.h"
#include "keel/train/run_data.h"
#include "keel/train/state_dict_match.h"
#include "keel/train/trainer.h"
#include "train/run_dir.h"
#include "train/svg_plot.h"
#include "train/text_format.h"

namespace keel::train {

namespace fs = std::filesystem;
using detail::fixed;
using detail::percent;

namespace {

std::string points_text(double fraction) { return fixed(fraction * 100.0, 1) + " points"; }

std::string size_dir_name(std::int64_t size) { return "size_" + std::to_string(size); }

constexpr const char* kCurveCsv = "learning_curve.csv";
constexpr const char* kCurveSvg = "learning_curve.svg";

// The error of the run's final weights on its training subset in eval mode, as sklearn's
// learning_curve scores the training set (the trainer's train accuracy is a running mean over
// the epoch, with dropout active, which overstates the error).
double final_train_error(const Config& c, const std::string& run_dir) {
  const RunData data = load_run_data(c);
  auto model = build_model(c, data.in_features, data.classes);
  load_weights((fs::path(run_dir) / kLastFile).string(), *model);
  auto loader = make_eval_loader(c, data.train);
  return 1.0 - evaluate(*model, *loader, data.classes).accuracy;
}

}  // namespace

const char* to_string(CurveVerdict v) {
  switch (v) {
    case CurveVerdict::HighBias:
      return "high bias";
    case CurveVerdict::HighVariance:
      return "high variance";
    case CurveVerdict::GoodFit:
      return "good fit";
  }
  return "?";
}

std::string CurveDiagnosis::to_text() const {
  std::ostringstream os;
  os << "diagnosis: " << to_string(verdict) << ": " << summary << "\n";
  if (!remedies.empty()) {
    os << "remedies:\n";
    for (const auto& r : remedies) os << "  - " << r << "\n";
  }
  return os.str();
}

CurveDiagnosis diagnose_learning_curve(std::vector<LearningCurvePoint> points,
                                       const CurveDiagnosisOptions& o) {
  points.erase(std::remove_if(points.begin(), points.end(),
                              [](const LearningCurvePoint& p) {
                                return !std::isfinite(p.train_error) || !std::isfinite(p.val_error);
                              }),
               points.end());
  KEEL_CHECK(!points.empty(), "learning curve: no size has finite train and validation errors to diagnose");
  std::sort(points.begin(), points.end(), [](const auto& a, const auto& b) { return a.size < b.size; });
  const LearningCurvePoint &first = points.front(), &last = points.back();
  const double gap = last.val_error - last.train_error, first_gap = first.val_error - first.train_error;
  const std::string at = "at " + std::to_string(last.size) + " training samples";
  CurveDiagnosis d;
  if (gap > o.max_gap) {
    d.verdict = CurveVerdict::HighVariance;
    d.summary = at + " the validation error (" + percent(last.val_error) + ") exceeds the train error (" +
                percent(last.train_error) + ") by " + points_text(gap) + " (more than " +
                points_text(o.max_gap) + ")";
    if (points.size() > 1 && first_gap - gap >= o.min_shrink) {
      d.summary += "; the gap shrank from " + points_text(first_gap) + " at " + std::to_string(first.size) +
                   " samples, so more data keeps helping";
    } else if (points.size() > 1) {
      d.summary += "; the gap did not shrink from " + std::to_string(first.size) + " samples (" +
                   points_text(first_gap) + "), so regularization matters more than data";
    }
    if (last.train_error >= o.high_error)
      d.summary +=
          "; the train error is high too (" + percent(last.train_error) + "), so there is bias as well";
    d.remedies = {"more training data (data.train_subset = 0 uses all of it; data.augment = true)",
                  "stronger regularization: optim.weight_decay, model.dropout, reg.penalty = l2 / l1",
                  "a smaller model (model.hidden) or early stopping (train.early_stopping_patience)"};
  } else if (last.train_error >= o.high_error) {
    d.verdict = CurveVerdict::HighBias;
    d.summary = at + " both errors are high and close: train " + percent(last.train_error) + ", validation " +
                percent(last.val_error) + " (gap " + points_text(gap) + "; high from " +
                percent(o.high_error) + "); more data will not lower them";
    d.remedies = {"more capacity: wider or more layers (model.hidden), model.arch = cnn, more train.epochs",
                  "less regularization: lower optim.weight_decay, model.dropout or reg.lambda",
                  "a better-tuned optimizer (optim.lr, optim.name = adam)"};
  } else {
    d.verdict = CurveVerdict::GoodFit;
    d.summary = at + " the train error (" + percent(last.train_error) + ") and the validation error (" +
                percent(last.val_error) + ") are both low and close (gap " + points_text(gap) + ")";
  }
  return d;
}

std::vector<std::int64_t> default_curve_sizes() { return {1000, 2000, 5000, 10000, 20000, 0}; }

std::vector<std::int64_t> curve_sizes(const std::vector<std::int64_t>& requested, std::int64_t available) {
  KEEL_CHECK(available > 0, "learning curve: the training set is empty");
  std::vector<std::int64_t> out;
  for (std::int64_t s : requested) {
    KEEL_CHECK(s >= 0, "--sizes: a training-set size must be positive (0 = all), got ", s);
    out.push_back(s == 0 ? available : std::min(s, available));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  KEEL_CHECK(!out.empty(), "--sizes: no training-set size given");
  return out;
}

std::string learning_curve_csv(const std::vector<LearningCurvePoint>& points) {
  std::string out = "size,train_error,val_error,best_val_error,seconds\n";
  for (const auto& p : points)
    out += std::to_string(p.size) + "," + detail::round_trip(p.train_error) + "," +
           detail::round_trip(p.val_error) + "," + detail::round_trip(p.best_val_error) + "," +
           fixed(p.seconds, 3) + "\n";
  return out;
}

std::string learning_curve_svg(const std::vector<LearningCurvePoint>& points, const std::string& title) {
  using namespace detail::svg;
  const double width = 640, height = 400, left = 64, right = width - 16, top = 40, bottom = height - 80;
  std::string out;
  SvgWriter svg(out);
  // Log-x axis over whole decades around the sizes, ticked at 1, 2 and 5 times powers of ten.
  double lo = INFINITY, hi = -INFINITY, ymax = 0;
  for (const auto& p : points) {
    lo = std::min(lo, static_cast<double>(p.size));
    hi = std::max(hi, static_cast<double>(p.size));
    for (double e : {p.train_error, p.val_error})
      if (std::isfinite(e)) ymax = std::max(ymax, e);
  }
  if (!(lo <= hi)) lo = 1, hi = 10;
  const double llo = std::floor(std::log10(lo)), lhi = std::max(std::ceil(std::log10(hi)), llo + 1);
  auto X = [&](double v) { return left + (std::log10(v) - llo) / (lhi - llo) * (right - left); };
  const Axis ay = make_axis(0.0, std::max(ymax, 0.01), 0.0, 0.0, 1.0);
  auto Y = [&](double v) { return ay.map(v, bottom, top); };

  out +=
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"640\" height=\"400\" viewBox=\"0 0 640 400\" "
      "font-family=\"sans-serif\" font-size=\"12\">\n";
  out +=
      "<title>" + xml_escape(title) + "</title>\n<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n";
  svg.text(width / 2, 22, title, "middle", " font-size=\"15\" font-weight=\"bold\"");
  svg.frame_with_y_ticks(ay, left, top, right, bottom, /*percent=*/true);
  for (double decade = llo; decade <= lhi; ++decade)
    for (double m : {1.0, 2.0, 5.0}) {
      const double v = m * std::pow(10.0, decade);
      if (std::log10(v) > lhi + 1e-9) break;
      const double x = X(v);
      if (x > left + 0.5 && x < right - 0.5) svg.line(x, top, x, bottom, "#e5e5e5");
      svg.line(x, bottom, x, bottom + 4, "#444");
      svg.text(x, bottom + 17, v >= 1000 ? fixed(v / 1000, 0) + "k" : fixed(v, 0), "middle");
    }
  svg.text((left + right) / 2, bottom + 36, "training samples (log scale)", "middle");
  svg.text(16, (top + bottom) / 2, "error", "middle",
           (" transform=\"rotate(-90 16 " + SvgWriter::px((top + bottom) / 2) + ")\"").c_str());

  struct Line {
    const char* name;
    double LearningCurvePoint::*field;
    bool dashed;
  };
  const Line lines[] = {{"train error", &LearningCurvePoint::train_error, false},
                        {"validation error", &LearningCurvePoint::val_error, true}};
  for (std::size_t li = 0; li < 2; ++li) {
    const std::string color = color_of(li, 2);
    std::string pts;
    for (const auto& p : points) {
      const double e = p.*(lines[li].field);
      if (!std::isfinite(e)) continue;
      const std::string x = SvgWriter::px(X(static_cast<double>(p.size))), y = SvgWriter::px(Y(e));
      pts += (pts.empty() ? "" : " ") + x + "," + y;
      out += "<circle cx=\"" + x + "\" cy=\"" + y + "\" r=\"3\" fill=\"" + color + "\"><title>" +
             xml_escape(std::string(lines[li].name) + " at " + std::to_string(p.size) + ": " + percent(e)) +
             "</title></circle>\n";
    }
    out += "<polyline fill=\"none\" stroke=\"" + color + "\" stroke-width=\"1.8\"";
    if (lines[li].dashed) out += std::string(" stroke-dasharray=\"") + kDash + "\"";
    out += " points=\"" + pts + "\"/>\n";
    const double lx = left + 10 + 170.0 * static_cast<double>(li), ly = height - 14;
    out += "<line x1=\"" + SvgWriter::px(lx) + "\" y1=\"" + SvgWriter::px(ly - 4) + "\" x2=\"" +
           SvgWriter::px(lx + 28) + "\" y2=\"" + SvgWriter::px(ly - 4) + "\" stroke=\"" + color +
           "\" stroke-width=\"1.8\"" +
           (lines[li].dashed ? std::string(" stroke-dasharray=\"") + kDash + "\"" : "") + "/>\n";
    svg.text(lx + 34, ly, lines[li].name, "start");
  }
  out += "</svg>\n";
  return out;
}

LearningCurveResult run_learning_curve(const Config& config, const LearningCurveOptions& o) {
  std::ostream& out = o.out ? *o.out : std::cout;
  std::ostream& err = o.err ? *o.err : std::cerr;
  KEEL_CHECK(config.get_double("data.val_fraction") > 0,
             "keel curve compares train and validation errors: set data.val_fraction above 0");
  LearningCurveResult result;
  result.run_dir = o.run_dir.empty() ? default_run_dir(config) : o.run_dir;
  const fs::path root(result.run_dir);

  // The training part after the validation split (itself seeded by train.seed, so the same for
  // every size); data.train_subset, when set, caps it. Loading is cached, so the runs reuse it.
  Config all = config;
  all.set_value("data.train_subset", "0", "keel curve");
  const RunData data = load_run_data(all);
  const auto available = static_cast<std::int64_t>(data.train->size());
  // A model the config cannot build (model.norm = instance for an MLP, ...) is refused now, not
  // when the first size starts.
  build_model(config, data.in_features, data.classes);
  const std::int64_t cap = config.get_int("data.train_subset");
  const std::vector<std::int64_t> sizes = curve_sizes(o.sizes.empty() ? default_curve_sizes() : o.sizes,
                                                      cap > 0 ? std::min(cap, available) : available);

  // Refuse before any training, not after the first sizes have run.
  if (!o.overwrite) {
    for (const char* f : {kCurveCsv, kCurveSvg})
      KEEL_CHECK(!fs::exists(root / f), "'", result.run_dir, "' already holds a learning curve (", f,
                 "); pass --overwrite to replace it, or choose another --run-dir");
    for (std::int64_t s : sizes)
      KEEL_CHECK(!detail::holds_run_outputs(root / size_dir_name(s)), "'", (root / size_dir_name(s)).string(),
                 "' already holds a run; pass --overwrite to replace it, or choose another --run-dir");
  }
  try {
    fs::create_directories(root);
  } catch (const fs::filesystem_error& e) {
    keel::detail::fail("cannot create the run directory '", result.run_dir, "': ", e.code().message());
  }

  auto write_outputs = [&] {
    write_text_file_atomic(root / kCurveCsv, learning_curve_csv(result.points));
    write_text_file_atomic(root / kCurveSvg,
                           learning_curve_svg(result.points, "Learning curve: " + root.filename().string()));
  };
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    const std::int64_t n = sizes[i];
    out << "\n== size " << i + 1 << "/" << sizes.size() << ": " << n << " training samples\n";
    Config c = config;
    c.set_value("data.train_subset", std::to_string(n), "keel curve");
    TrainerOptions t;
    t.run_dir = (root / size_dir_name(n)).string();
    t.out = &out;
    t.err = &err;
    t.progress = o.progress;
    t.handle_sigint = o.handle_sigint;
    t.overwrite = o.overwrite;
    t.evaluate_test = false;  // the curve is about train vs validation error
    const auto start = std::chrono::steady_clock::now();
    TrainResult r = Trainer(c, t).run();
    LearningCurvePoint p;
    p.size = n;
    p.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (r.status == TrainResult::Status::Interrupted) {
      if (!result.points.empty()) write_outputs();
      err << "keel: " << r.message << "\n";
      result.exit_code = r.exit_code;
      return result;
    }
    if (r.status == TrainResult::Status::NonFinite) {
      err << "keel: warning: size " << n << ": " << r.message << "\n";
    } else {
      const RunSummary s = summarize(r.log);
      p.train_error = final_train_error(c, t.run_dir);
      p.val_error = 1.0 - s.final_val_acc;
      p.best_val_error = 1.0 - s.best_val_acc;
    }
    result.points.push_back(p);
  }
  write_outputs();

  out << "\nlearning curve (validation: the same " << data.val->size() << " samples for every size)\n";
  char line[160];
  std::snprintf(line, sizeof line, "%10s %10s %10s %14s %9s\n", "size", "train err", "val err",
                "best val err", "seconds");
  out << line;
  for (const auto& p : result.points) {
    std::snprintf(line, sizeof line, "%10lld %10s %10s %14s %9s\n", static_cast<long long>(p.size),
                  percent(p.train_error).c_str(), percent(p.val_error).c_str(),
                  percent(p.best_val_error).c_str(), fixed(p.seconds, 1).c_str());
    out << line;
  }
  result.diagnosis = diagnose_learning_curve(result.points);
  out << result.diagnosis.to_text() << "files: " << (root / kCurveCsv).string() << ", "
      << (root / kCurveSvg).string() << "\n";
  return result;
}

}  // namespace keel::train
