// The learning-curve diagnosis on synthetic curves (one per verdict), the size list, and the
// CSV/SVG outputs.
#include "keel/train/learning_curve.h"

#include <gtest/gtest.h>

#include <array>
#include <cmath>

#include "support/errors.h"
#include "train/xml_check.h"

namespace keel::train {
namespace {

using testing::error_of;
using testing::xml_problem;

std::vector<LearningCurvePoint> curve(const std::vector<std::array<double, 3>>& rows) {
  std::vector<LearningCurvePoint> out;
  for (const auto& [size, train, val] : rows) {
    LearningCurvePoint p;
    p.size = static_cast<std::int64_t>(size);
    p.train_error = train;
    p.val_error = val;
    p.best_val_error = val - 0.005;
    p.seconds = size / 1000;
    out.push_back(p);
  }
  return out;
}

TEST(LearningCurve, HighVarianceIsALargeGapThatShrinksWithData) {
  // Train error near 0, validation 30% -> 14%: the gap closes as data grows but is still 13 points.
  const auto d = diagnose_learning_curve(curve({{1000, 0.0, 0.30}, {5000, 0.01, 0.20}, {20000, 0.01, 0.14}}));
  EXPECT_EQ(d.verdict, CurveVerdict::HighVariance);
  EXPECT_NE(d.summary.find("20000"), std::string::npos) << d.summary;
  EXPECT_NE(d.summary.find("13.0 points"), std::string::npos) << d.summary;
  EXPECT_NE(d.summary.find("shrank from 30.0 points"), std::string::npos) << d.summary;
  EXPECT_NE(d.to_text().find("more training data"), std::string::npos);
  EXPECT_NE(d.to_text().find("regularization"), std::string::npos);
  // A gap that stays put is still variance, but data alone is not the cure.
  const auto flat = diagnose_learning_curve(curve({{1000, 0.02, 0.12}, {20000, 0.02, 0.12}}));
  EXPECT_EQ(flat.verdict, CurveVerdict::HighVariance);
  EXPECT_NE(flat.summary.find("did not shrink"), std::string::npos) << flat.summary;
}

TEST(LearningCurve, HighBiasIsBothErrorsHighAndClose) {
  const auto d =
      diagnose_learning_curve(curve({{1000, 0.20, 0.26}, {10000, 0.24, 0.26}, {2000, 0.22, 0.27}}));
  EXPECT_EQ(d.verdict, CurveVerdict::HighBias);
  EXPECT_NE(d.summary.find("at 10000 training samples"), std::string::npos) << d.summary;
  EXPECT_NE(d.summary.find("train 24.0%, validation 26.0%"), std::string::npos) << d.summary;
  EXPECT_NE(d.to_text().find("more capacity"), std::string::npos);
  EXPECT_NE(d.to_text().find("less regularization"), std::string::npos);
}

TEST(LearningCurve, GoodFitIsBothLowAndClose) {
  const auto d = diagnose_learning_curve(curve({{1000, 0.05, 0.15}, {50000, 0.08, 0.10}}));
  EXPECT_EQ(d.verdict, CurveVerdict::GoodFit);
  EXPECT_TRUE(d.remedies.empty());
  EXPECT_NE(d.summary.find("2.0 points"), std::string::npos) << d.summary;
  // The thresholds are options: a stricter bar for "low" turns the same curve into high bias.
  CurveDiagnosisOptions strict;
  strict.high_error = 0.05;
  EXPECT_EQ(diagnose_learning_curve(curve({{1000, 0.05, 0.15}, {50000, 0.08, 0.10}}), strict).verdict,
            CurveVerdict::HighBias);
  // Non-finite sizes (a diverged run) are left out; none left is an error.
  auto with_nan = curve({{1000, 0.05, 0.15}, {50000, 0.08, 0.10}, {60000, NAN, NAN}});
  EXPECT_EQ(diagnose_learning_curve(with_nan).verdict, CurveVerdict::GoodFit);
  EXPECT_NE(error_of([] {
              diagnose_learning_curve(curve({{10, NAN, 0.1}}));
            }).find("no size"),
            std::string::npos);
}

TEST(LearningCurve, SizesAreClampedSortedAndDeduplicated) {
  EXPECT_EQ(curve_sizes(default_curve_sizes(), 54000),
            (std::vector<std::int64_t>{1000, 2000, 5000, 10000, 20000, 54000}));
  EXPECT_EQ(curve_sizes(default_curve_sizes(), 3000), (std::vector<std::int64_t>{1000, 2000, 3000}));
  EXPECT_EQ(curve_sizes({500, 100, 100000, 0}, 800), (std::vector<std::int64_t>{100, 500, 800}));
  EXPECT_NE(error_of([] { curve_sizes({-5}, 100); }).find("--sizes"), std::string::npos);
}

TEST(LearningCurve, WritesTheCsvAndAWellFormedLogXSvg) {
  const auto points = curve({{1000, 0.0, 0.30}, {20000, 0.01, 0.14}});
  EXPECT_EQ(learning_curve_csv(points),
            "size,train_error,val_error,best_val_error,seconds\n1000,0,0.3,0.295,1.000\n"
            "20000,0.01,0.14,0.135,20.000\n");
  const std::string svg = learning_curve_svg(points, "Learning curve: a<b");
  EXPECT_EQ(xml_problem(svg), "");
  EXPECT_NE(svg.find("a&lt;b"), std::string::npos);
  EXPECT_NE(svg.find("log scale"), std::string::npos);
  // Decade ticks 1k, 10k, 100k span the sizes.
  for (const char* tick : {">1k<", ">10k<", ">20k<", ">100k<"})
    EXPECT_NE(svg.find(tick), std::string::npos) << tick;
  EXPECT_NE(svg.find("validation error at 20000: 14.0%"), std::string::npos);
}

}  // namespace
}  // namespace keel::train
