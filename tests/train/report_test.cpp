#include <gtest/gtest.h>
#include <keel/train/report.h>

#include "train/train_test_util.h"
#include "train/xml_check.h"

using namespace keel;
using namespace keel::train;
using keel::testing::xml_problem;

TEST(TrainReport, PageWithCurvesTableAndVerdicts) {
  std::vector<VariantResult> variants;
  variants.push_back(
      {"none", keel::testing::overfitting_log(), "no regularization", std::nullopt, std::nullopt});
  variants.push_back({"L1", keel::testing::good_fit_log(), "L1, lambda = 1e-4", 0.375, std::nullopt});
  DiagnosisOptions ten;
  ten.num_classes = 10;
  variants.push_back({"constant init", keel::testing::underfitting_log(), "", std::nullopt,
                      diagnose(keel::testing::underfitting_log(), ten)});
  const std::string html = compare_report_html("Regularization <1000 images>", variants);

  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(xml_problem(html), "") << html;
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("http://", html.find("</head>")), html.find("http://www.w3.org/2000/svg"));
  EXPECT_NE(html.find("<title>Regularization &lt;1000 images&gt;</title>"), std::string::npos);

  // The table: one row per variant with its figures.
  EXPECT_NE(
      html.find("<tr><td>none</td><td>88.0%</td><td>85.7%</td><td>12.4 pts</td><td>6</td><td>\xE2\x80\x94"
                "</td><td><span class=\"verdict over\">overfitting</span></td></tr>"),
      std::string::npos)
      << html;
  EXPECT_NE(html.find("<tr class=\"best\"><td>L1</td><td>89.6%</td>"), std::string::npos) << html;
  EXPECT_NE(html.find("<td>37.5%</td><td><span class=\"verdict good\">good fit</span>"), std::string::npos);
  EXPECT_NE(html.find("<tr><td>constant init</td>"), std::string::npos);
  EXPECT_NE(html.find("<span class=\"verdict under\">underfitting</span></td></tr>"), std::string::npos);

  // Curves: the combined chart plus one per variant.
  std::size_t svgs = 0;
  for (std::size_t p = html.find("<svg "); p != std::string::npos; p = html.find("<svg ", p + 1)) ++svgs;
  EXPECT_EQ(svgs, 4u);

  // Verdict sections with evidence and remedies.
  EXPECT_NE(html.find("<li>val loss rose from 0.312 at epoch 6 to 0.401 at epoch 20 (+28.5%)"),
            std::string::npos);
  EXPECT_NE(html.find("within 10.0 points of chance"), std::string::npos);  // the caller's diagnosis was used
  EXPECT_NE(html.find("<p class=\"desc\">L1, lambda = 1e-4</p>"), std::string::npos);
  EXPECT_NE(html.find("Remedies (from the source material):"), std::string::npos);
}

TEST(TrainReport, GradientWarningsAndEmptyReport) {
  auto log = keel::testing::good_fit_log();
  log[7].grad_norm = 500.0;
  std::string html = compare_report_html("t", {{"spiky", log, "", std::nullopt, std::nullopt}});
  EXPECT_EQ(xml_problem(html), "");
  EXPECT_NE(html.find("<ul class=\"warn\">\n<li>exploding gradient norm at epoch 8"), std::string::npos)
      << html;
  std::string empty = compare_report_html("nothing", {});
  EXPECT_EQ(xml_problem(empty), "");
  EXPECT_NE(empty.find("<tbody>\n</tbody>"), std::string::npos);
}
