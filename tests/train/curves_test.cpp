#include <gtest/gtest.h>
#include <keel/core/error.h>
#include <keel/train/curves.h>

#include <cmath>
#include <set>

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

}  // namespace

TEST(TrainXmlCheck, CatchesMalformedDocuments) {
  EXPECT_EQ(xml_problem("<a><b x=\"1\"/>t &amp; u</a>"), "");
  EXPECT_NE(xml_problem("<a><b></a></b>"), "");
  EXPECT_NE(xml_problem("<a>x & y</a>"), "");
  EXPECT_NE(xml_problem("<a x=1></a>"), "");
  EXPECT_NE(xml_problem("<a x=\"1\" x=\"2\"></a>"), "");
  EXPECT_NE(xml_problem("<a></a><b></b>"), "");
  EXPECT_NE(xml_problem("<a>"), "");
}

TEST(TrainCurves, TwoPanelsWithEverySeries) {
  std::vector<Series> runs = {{"baseline", keel::testing::overfitting_log()},
                              {"dropout", keel::testing::good_fit_log()}};
  std::string svg = learning_curves_svg(runs, {.title = "Regularization"});
  EXPECT_EQ(xml_problem(svg), "") << svg;
  EXPECT_EQ(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u);
  EXPECT_NE(svg.find("<title>Regularization</title>"), std::string::npos);
  EXPECT_NE(svg.find(">Loss</text>"), std::string::npos);
  EXPECT_NE(svg.find(">Accuracy</text>"), std::string::npos);
  EXPECT_NE(svg.find(">epoch</text>"), std::string::npos);
  // 2 runs x 4 curves, each one unbroken line; validation curves dashed.
  EXPECT_EQ(count(svg, "<polyline"), 8u);
  EXPECT_EQ(count(svg, "stroke-dasharray=\"6 4\" points="), 4u);
  for (const char* curve : {"train loss", "val loss", "train accuracy", "val accuracy"}) {
    EXPECT_NE(svg.find(std::string("<title>baseline: ") + curve + "</title>"), std::string::npos) << curve;
    EXPECT_NE(svg.find(std::string("<title>dropout: ") + curve + "</title>"), std::string::npos) << curve;
  }
  // Distinct colors, legend entries, percent tick labels on the accuracy axis.
  EXPECT_NE(svg.find("stroke=\"#1f77b4\""), std::string::npos);
  EXPECT_NE(svg.find("stroke=\"#ff7f0e\""), std::string::npos);
  EXPECT_NE(svg.find(">baseline</text>"), std::string::npos);
  EXPECT_NE(svg.find(">dropout</text>"), std::string::npos);
  EXPECT_NE(svg.find("%</text>"), std::string::npos);
  EXPECT_NE(svg.find(">20</text>"), std::string::npos);  // last epoch tick
  EXPECT_EQ(svg.find("<script"), std::string::npos);
  EXPECT_EQ(svg.find("nan"), std::string::npos);
}

TEST(TrainCurves, NonFiniteValuesBreakTheLine) {
  auto log = keel::testing::good_fit_log();
  log[4].train_loss = NAN;
  log[9].train_loss = INFINITY;
  log[10].val_acc = -INFINITY;
  std::string svg = learning_curves_svg({{"run", log}});
  EXPECT_EQ(xml_problem(svg), "") << svg;
  // train loss: epochs 1-4, 6-9, 11-15 -> three lines; val accuracy: 1-10, 12-15 -> two.
  EXPECT_EQ(count(svg, "<title>run: train loss</title></polyline>"), 3u);
  EXPECT_EQ(count(svg, "<title>run: val accuracy</title></polyline>"), 2u);
  EXPECT_EQ(svg.find("nan"), std::string::npos);
  EXPECT_EQ(svg.find("inf"), std::string::npos);
}

TEST(TrainCurves, SingleEpochAndIsolatedPointsAreDots) {
  auto log = make_log(1, [](int, EpochMetrics& m) {
    m.train_loss = 0.7;
    m.val_loss = 0.8;
    m.train_acc = 0.75;
    m.val_acc = 0.72;
  });
  std::string svg = learning_curves_svg({{"one", log}});
  EXPECT_EQ(xml_problem(svg), "") << svg;
  EXPECT_EQ(count(svg, "<polyline"), 0u);
  EXPECT_EQ(count(svg, "<circle"), 4u);
  EXPECT_EQ(svg.find("nan"), std::string::npos);
}

TEST(TrainCurves, EmptyInputStillDrawsAxes) {
  std::string svg = learning_curves_svg({});
  EXPECT_EQ(xml_problem(svg), "") << svg;
  EXPECT_EQ(count(svg, ">no data</text>"), 2u);
  std::string nan_only = learning_curves_svg({{"x", make_log(3, [](int, EpochMetrics&) {})}});
  EXPECT_EQ(xml_problem(nan_only), "");
  EXPECT_EQ(count(nan_only, ">no data</text>"), 2u);
}

TEST(TrainCurves, EscapesNamesAndTitle) {
  std::string svg = learning_curves_svg({{"L1 <lambda=1e-4> & \"more\" 'x'", keel::testing::good_fit_log()}},
                                        {.title = "a < b & c"});
  EXPECT_EQ(xml_problem(svg), "") << svg;
  EXPECT_NE(svg.find("<title>a &lt; b &amp; c</title>"), std::string::npos);
  EXPECT_NE(svg.find("L1 &lt;lambda=1e-4&gt; &amp; &quot;more&quot; &apos;x&apos;: train loss"),
            std::string::npos);
  EXPECT_EQ(xml_escape(std::string("a\x01z")), "a z");
}

TEST(TrainCurves, ManyVariantsGetDistinctColors) {
  std::vector<Series> runs;
  for (int i = 0; i < 15; ++i)
    runs.push_back({"variant " + std::to_string(i), keel::testing::good_fit_log()});
  std::string svg = learning_curves_svg(runs);
  EXPECT_EQ(xml_problem(svg), "");
  std::set<std::string> colors;
  for (std::size_t p = svg.find("<rect x="); p != std::string::npos; p = svg.find("<rect x=", p + 1)) {
    std::size_t f = svg.find("fill=\"", p);
    if (f == std::string::npos) break;
    colors.insert(svg.substr(f + 6, svg.find('"', f + 6) - f - 6));
  }
  EXPECT_GE(colors.size(), 15u);  // plus the panels' "none"
}

TEST(TrainCurves, RejectsTinySizes) { EXPECT_THROW(learning_curves_svg({}, {.width = 10}), Error); }
