// A diverging run in the learning curves and the compare report: it must not flatten the other
// runs' loss curves, and it is marked where it left the chart.
#include <gtest/gtest.h>
#include <keel/train/curves.h>
#include <keel/train/report.h>

#include <algorithm>
#include <cmath>
#include <sstream>

#include "train/train_test_util.h"
#include "train/xml_check.h"

using namespace keel;
using namespace keel::train;
using keel::testing::make_log;
using keel::testing::xml_problem;

namespace {

std::size_t count(const std::string& s, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t p = s.find(needle); p != std::string::npos; p = s.find(needle, p + 1)) ++n;
  return n;
}

// The points of every polyline whose tooltip is `tip`, in pixels.
std::vector<std::vector<std::pair<double, double>>> polylines(const std::string& svg,
                                                              const std::string& tip) {
  std::vector<std::vector<std::pair<double, double>>> out;
  const std::string end = "\"><title>" + tip + "</title></polyline>";
  for (std::size_t p = svg.find(end); p != std::string::npos; p = svg.find(end, p + 1)) {
    const std::size_t start = svg.rfind("points=\"", p) + 8;
    std::istringstream in(svg.substr(start, p - start));
    std::vector<std::pair<double, double>> pts;
    double x, y;
    char comma;
    while (in >> x >> comma >> y) pts.emplace_back(x, y);
    out.push_back(pts);
  }
  return out;
}

double vertical_span(const std::vector<std::vector<std::pair<double, double>>>& lines) {
  double lo = INFINITY, hi = -INFINITY;
  for (const auto& l : lines)
    for (const auto& [x, y] : l) lo = std::min(lo, y), hi = std::max(hi, y);
  return hi - lo;
}

// Learns for five epochs, then the loss explodes by 10x per epoch (a too-large learning rate).
MetricsLog exploding_log() {
  return make_log(12, [](int e, EpochMetrics& m) {
    m.train_loss = e <= 5 ? 0.9 - 0.08 * e : std::pow(10.0, e - 3);
    m.val_loss = e <= 5 ? 0.95 - 0.08 * e : std::pow(10.0, e - 3);
    m.train_acc = e <= 5 ? 0.6 + 0.04 * e : 0.1;
    m.val_acc = m.train_acc;
  });
}

// The first n epochs of a log: a run that stopped after them.
MetricsLog first_epochs(const MetricsLog& log, std::size_t n) {
  return MetricsLog(std::vector<EpochMetrics>(log.rows().begin(), log.rows().begin() + n));
}

// Default CurveOptions: the plot area of the loss panel spans y = 56 (top) to 292 (bottom).
constexpr double kTop = 56, kPlotHeight = 236;

}  // namespace

TEST(TrainDivergence, TypicalLossIsTheMedianFirstTrainLoss) {
  auto first = [](double v) {
    return make_log(3, [v](int e, EpochMetrics& m) { m.train_loss = e == 1 ? NAN : v / e; });
  };
  // The first finite train loss of each: 0.25, 1.0, 50 -> the median 1.0.
  EXPECT_DOUBLE_EQ(typical_loss({{"a", first(0.5)}, {"b", first(2.0)}, {"c", first(100)}}), 1.0);
  EXPECT_DOUBLE_EQ(typical_loss({{"a", first(0.5)}, {"b", first(2.0)}}), 0.625);
  EXPECT_TRUE(std::isnan(typical_loss({})));
  EXPECT_TRUE(std::isnan(typical_loss({{"x", make_log(2, [](int, EpochMetrics&) {})}})));
}

TEST(TrainDivergence, FindsTheEpochARunDivergedAt) {
  auto nan_tail = keel::testing::good_fit_log();  // train loss non-finite from epoch 13 on
  for (int i = 12; i < 15; ++i) nan_tail[i].train_loss = i == 13 ? INFINITY : NAN;
  auto gap = keel::testing::good_fit_log();  // one missing epoch, then it goes on: a gap
  gap[4].train_loss = NAN;
  auto spike = keel::testing::good_fit_log();  // explodes once and recovers: a spike
  spike[7].train_loss = 1e4;
  const MetricsLog stopped = first_epochs(keel::testing::good_fit_log(), 3);
  auto explode_then_stop = exploding_log();
  const std::vector<Series> series = {{"exploding", exploding_log()},
                                      {"nan tail", nan_tail},
                                      {"gap", gap},
                                      {"spike", spike},
                                      {"stopped in epoch 4", stopped, 4},
                                      {"exploded, then stopped", explode_then_stop, 13},
                                      {"healthy", keel::testing::overfitting_log()},
                                      {"unmeasured", make_log(3, [](int, EpochMetrics&) {})}};
  const double typical = typical_loss(series);
  EXPECT_DOUBLE_EQ(typical, 1.0);  // the median of 0.82, 0.82, 0.9, 1, 1, 1, 1
  const auto at = divergence_epochs(series, typical);
  const std::vector<std::optional<int>> expected = {6, 13, std::nullopt, std::nullopt,
                                                    4, 6,  std::nullopt, std::nullopt};
  EXPECT_EQ(at, expected);
  // Without a usable loss scale only non-finite losses count.
  EXPECT_EQ(divergence_epochs({{"exploding", exploding_log()}, {"nan tail", nan_tail}}, NAN),
            (std::vector<std::optional<int>>{std::nullopt, 13}));
}

TEST(TrainDivergence, AnExplodingRunDoesNotFlattenTheOthers) {
  const std::vector<Series> runs = {{"baseline", keel::testing::overfitting_log()},
                                    {"dropout", keel::testing::good_fit_log()},
                                    {"lr=10", exploding_log()}};
  const std::string svg = learning_curves_svg(runs, {.title = "Learning rates"});
  EXPECT_EQ(xml_problem(svg), "") << svg;
  EXPECT_EQ(svg.find("nan"), std::string::npos);
  EXPECT_EQ(svg.find("inf"), std::string::npos);

  // The healthy curves use the panel's height: train loss 0.9 -> 0.08 covers most of it.
  const auto baseline = polylines(svg, "baseline: train loss");
  ASSERT_EQ(baseline.size(), 1u);
  EXPECT_EQ(baseline[0].size(), 20u);
  EXPECT_GT(vertical_span(baseline), 0.75 * kPlotHeight);
  EXPECT_GT(vertical_span(polylines(svg, "dropout: val loss")), 0.5 * kPlotHeight);

  // The exploding run is drawn until it leaves through the top edge at epoch 6, and no further.
  const auto lr10 = polylines(svg, "lr=10: train loss");
  ASSERT_EQ(lr10.size(), 1u);
  EXPECT_EQ(lr10[0].size(), 6u);
  EXPECT_DOUBLE_EQ(lr10[0].back().second, kTop);
  EXPECT_LT(lr10[0].back().first, baseline[0][5].first);  // left the plot before epoch 6's x
  EXPECT_GE(lr10[0].back().first, baseline[0][4].first);

  // Marked: a triangle on the loss panel's top edge at epoch 6 and a legend line.
  EXPECT_EQ(count(svg, "<polygon class=\"diverged\""), 1u);
  const std::string polygon = "<polygon class=\"diverged\" points=\"";
  const std::size_t marker = svg.find(polygon);
  ASSERT_NE(marker, std::string::npos);
  std::istringstream pts(svg.substr(marker + polygon.size()));
  double x1, y1;
  char comma;
  pts >> x1 >> comma >> y1;
  EXPECT_NEAR(x1 + 6, baseline[0][5].first, 0.11);
  EXPECT_DOUBLE_EQ(y1, kTop);
  EXPECT_NE(svg.find("<title>lr=10: diverged at epoch 6</title></polygon>"), std::string::npos);
  EXPECT_NE(svg.find(">lr=10: diverged at epoch 6 (its loss is left off the chart from there on)</text>"),
            std::string::npos);
  EXPECT_NE(svg.find(">Loss (axis fits the runs that did not diverge)</text>"), std::string::npos);
  // Accuracy stays in [0, 1] and keeps every epoch of every run.
  EXPECT_EQ(polylines(svg, "lr=10: train accuracy")[0].size(), 12u);
}

TEST(TrainDivergence, ASpikeIsCutAtTheEdgeButNotMarked) {
  auto spike = keel::testing::good_fit_log();
  spike[7].train_loss = 1e4;
  const std::string svg = learning_curves_svg({{"run", spike}});
  EXPECT_EQ(xml_problem(svg), "") << svg;
  EXPECT_EQ(svg.find("diverged"), std::string::npos);
  // The line leaves through the top edge and comes back: two pieces, the loss axis set by the rest.
  const auto train = polylines(svg, "run: train loss");
  ASSERT_EQ(train.size(), 2u);
  EXPECT_DOUBLE_EQ(train[0].back().second, kTop);
  EXPECT_DOUBLE_EQ(train[1].front().second, kTop);
  EXPECT_EQ(train[0].size() + train[1].size(), 16u);  // 14 epochs plus the two exit points
  EXPECT_GT(vertical_span(polylines(svg, "run: val loss")), 0.75 * kPlotHeight);
}

TEST(TrainDivergence, ARunThatStoppedOnANonFiniteLossIsMarkedAfterItsLastEpoch) {
  const MetricsLog three = first_epochs(keel::testing::good_fit_log(), 3);
  const std::string svg =
      learning_curves_svg({{"healthy", keel::testing::good_fit_log()}, {"stopped", three, 4}});
  EXPECT_EQ(xml_problem(svg), "") << svg;
  EXPECT_NE(svg.find("<title>stopped: diverged at epoch 4</title></polygon>"), std::string::npos);
  EXPECT_EQ(polylines(svg, "stopped: train loss")[0].size(), 3u);
  // Alone, its chart still reaches epoch 4 to show the marker.
  const std::string alone = learning_curves_svg({{"stopped", three, 4}});
  EXPECT_NE(alone.find("<title>stopped: diverged at epoch 4</title></polygon>"), std::string::npos);
  EXPECT_NE(alone.find(">4</text>"), std::string::npos);
}

TEST(TrainDivergence, ReportMarksTheDivergedVariants) {
  std::vector<VariantResult> variants;
  variants.push_back({"baseline", keel::testing::overfitting_log(), "", std::nullopt, std::nullopt});
  variants.push_back({"lr=10", exploding_log(), "optim.lr=10", std::nullopt, std::nullopt});
  const MetricsLog two = first_epochs(keel::testing::good_fit_log(), 2);
  VariantResult nan_run{"lr=100", two, "optim.lr=100", std::nullopt, Diagnosis{}};
  nan_run.stopped_nonfinite = 3;
  variants.push_back(nan_run);
  const std::string html = compare_report_html("Learning rates", variants);
  EXPECT_EQ(xml_problem(html), "") << html;
  EXPECT_NE(html.find("<td>baseline</td>"), std::string::npos) << html;
  EXPECT_NE(html.find("<td>lr=10<br/><span class=\"diverged\">diverged at epoch 6</span></td>"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("<td>lr=100<br/><span class=\"diverged\">diverged at epoch 3</span></td>"),
            std::string::npos);
  EXPECT_NE(html.find("<p class=\"warn\">Training diverged at epoch 6: "), std::string::npos);
  // Marked in the combined chart and in each one's own chart; the baseline is not.
  EXPECT_EQ(count(html, "<title>lr=10: diverged at epoch 6</title></polygon>"), 2u);
  EXPECT_EQ(count(html, "<title>lr=100: diverged at epoch 3</title></polygon>"), 2u);
  EXPECT_EQ(html.find("baseline: diverged"), std::string::npos);
  // The combined chart's loss axis fits the baseline.
  const std::size_t combined_end = html.find("</svg>");
  EXPECT_GT(vertical_span(polylines(html.substr(0, combined_end), "baseline: train loss")),
            0.75 * kPlotHeight);
}
