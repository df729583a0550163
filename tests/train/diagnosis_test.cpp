#include <gtest/gtest.h>
#include <keel/core/error.h>
#include <keel/train/diagnosis.h>

#include <cmath>

#include "train/train_test_util.h"

using namespace keel;
using namespace keel::train;
using keel::testing::make_log;

namespace {

bool any_contains(const std::vector<std::string>& lines, const std::string& needle) {
  for (const auto& l : lines)
    if (l.find(needle) != std::string::npos) return true;
  return false;
}

std::string joined(const Diagnosis& d) { return d.to_text(); }

}  // namespace

TEST(TrainDiagnosis, ClearOverfitting) {
  Diagnosis d = diagnose(keel::testing::overfitting_log());
  EXPECT_EQ(d.verdict, Verdict::Overfitting) << joined(d);
  EXPECT_TRUE(
      any_contains(d.evidence,
                   "val loss rose from 0.312 at epoch 6 to 0.401 at epoch 20 (+28.5%) while train loss "
                   "fell from 0.250 to 0.080"))
      << joined(d);
  EXPECT_TRUE(any_contains(d.evidence,
                           "train/val accuracy gap 12.4 points at the end (train 98.1%, val 85.7% at "
                           "epoch 20), up from -3.0 points at epoch 1"))
      << joined(d);
  EXPECT_TRUE(any_contains(d.evidence, "the best val loss was at epoch 6 of 20")) << joined(d);
  EXPECT_EQ(d.summary.rfind("overfitting: val loss rose", 0), 0u) << d.summary;
  EXPECT_TRUE(any_contains(d.remedies, "dropout"));
  EXPECT_TRUE(any_contains(d.remedies, "weight decay"));
  EXPECT_TRUE(any_contains(d.remedies, "early stopping"));
  EXPECT_TRUE(any_contains(d.remedies, "more training data"));
  const std::string text = d.to_text();
  EXPECT_EQ(text.rfind("Diagnosis: overfitting\n", 0), 0u) << text;
  EXPECT_NE(text.find("Remedies (from the source material):"), std::string::npos);
}

TEST(TrainDiagnosis, OverfittingFromTheAccuracyGapAlone) {
  // Val loss keeps improving slightly, but train accuracy runs 20 points ahead.
  auto log = make_log(10, [](int e, EpochMetrics& m) {
    m.train_loss = 1.0 / e;
    m.val_loss = 0.5 - 0.001 * e;
    m.train_acc = 0.80 + 0.02 * e;
    m.val_acc = 0.80;
  });
  Diagnosis d = diagnose(log);
  EXPECT_EQ(d.verdict, Verdict::Overfitting) << joined(d);
  EXPECT_TRUE(any_contains(d.evidence, "train/val accuracy gap 20.0 points at the end")) << joined(d);
  EXPECT_TRUE(any_contains(d.evidence, "val loss is at its minimum 0.490 at the last epoch 10")) << joined(d);
  // A larger threshold accepts the gap.
  DiagnosisOptions loose;
  loose.max_acc_gap = 0.25;
  EXPECT_EQ(diagnose(log, loose).verdict, Verdict::GoodFit);
}

TEST(TrainDiagnosis, ClearUnderfitting) {
  DiagnosisOptions o;
  o.num_classes = 10;
  Diagnosis d = diagnose(keel::testing::underfitting_log(), o);
  EXPECT_EQ(d.verdict, Verdict::Underfitting) << joined(d);
  EXPECT_TRUE(any_contains(d.evidence,
                           "train loss went from 2.303 at epoch 1 to 2.250 at epoch 10 (-2.3%): it "
                           "barely decreased (less than 10%)"))
      << joined(d);
  EXPECT_TRUE(any_contains(d.evidence,
                           "final train accuracy 11.2% at epoch 10 is within 10.0 points of chance "
                           "(10.0% for 10 classes)"))
      << joined(d);
  EXPECT_TRUE(any_contains(d.evidence, "val accuracy 11.0% at epoch 10")) << joined(d);
  EXPECT_TRUE(any_contains(d.remedies, "a bigger model"));
  EXPECT_TRUE(any_contains(d.remedies, "longer training"));
  EXPECT_TRUE(any_contains(d.remedies, "less regularization"));
  EXPECT_TRUE(any_contains(d.remedies, "Kaiming"));
}

TEST(TrainDiagnosis, UnderfittingAgainstTheTaskTarget) {
  // The loss falls a lot, but the model stalls at 62% where the task allows 90%.
  auto log = make_log(10, [](int e, EpochMetrics& m) {
    m.train_loss = 2.0 / e;
    m.val_loss = 2.1 / e;
    m.train_acc = 0.62 * e / 10.0;
    m.val_acc = 0.61 * e / 10.0;
  });
  EXPECT_EQ(diagnose(log).verdict, Verdict::GoodFit);
  DiagnosisOptions o;
  o.target_train_acc = 0.90;
  Diagnosis d = diagnose(log, o);
  EXPECT_EQ(d.verdict, Verdict::Underfitting) << joined(d);
  EXPECT_TRUE(any_contains(d.evidence,
                           "final train accuracy 62.0% at epoch 10 is 28.0 points below the 90.0% "
                           "this task allows"))
      << joined(d);
}

TEST(TrainDiagnosis, GoodFit) {
  Diagnosis d = diagnose(keel::testing::good_fit_log());
  EXPECT_EQ(d.verdict, Verdict::GoodFit) << joined(d);
  EXPECT_TRUE(any_contains(d.evidence, "train loss went from 1.000 at epoch 1 to 0.310 at epoch 15 (-69.0%)"))
      << joined(d);
  EXPECT_TRUE(any_contains(d.evidence, "val loss is at its minimum 0.340 at the last epoch 15")) << joined(d);
  EXPECT_TRUE(any_contains(d.evidence, "train/val accuracy gap 2.0 points at the end")) << joined(d);
  EXPECT_TRUE(d.remedies.empty());
}

TEST(TrainDiagnosis, SmallValLossBumpIsNotOverfitting) {
  // Val loss 5% above its minimum, below the 10% default.
  auto log = make_log(12, [](int e, EpochMetrics& m) {
    m.train_loss = 1.0 / e;
    m.val_loss = e <= 6 ? 1.2 / e : 0.2 * (1 + 0.05 * (e - 6) / 6.0);
  });
  Diagnosis d = diagnose(log);
  EXPECT_EQ(d.verdict, Verdict::GoodFit) << joined(d);
  EXPECT_TRUE(
      any_contains(d.evidence, "val loss 0.210 at epoch 12 is +5.0% from its minimum 0.200 at epoch 6"))
      << joined(d);
}

TEST(TrainDiagnosis, TooShortIsInconclusive) {
  auto log = keel::testing::overfitting_log();
  log.truncate_after(3);
  Diagnosis d = diagnose(log);
  EXPECT_EQ(d.verdict, Verdict::Inconclusive);
  EXPECT_TRUE(any_contains(d.evidence, "only 3 epoch(s) with a finite train loss; at least 5 are needed"))
      << joined(d);
  EXPECT_EQ(diagnose(MetricsLog{}).verdict, Verdict::Inconclusive);
  DiagnosisOptions o;
  o.min_epochs = 3;
  EXPECT_NE(diagnose(log, o).verdict, Verdict::Inconclusive);
}

TEST(TrainDiagnosis, NoValidationIsInconclusive) {
  auto log = make_log(8, [](int e, EpochMetrics& m) { m.train_loss = 1.0 / e; });
  Diagnosis d = diagnose(log);
  EXPECT_EQ(d.verdict, Verdict::Inconclusive);
  EXPECT_TRUE(any_contains(d.evidence, "no finite validation loss or accuracy")) << joined(d);
}

TEST(TrainDiagnosis, DivergedRunUsesTheFinitePrefix) {
  auto log = keel::testing::overfitting_log();
  for (std::size_t i = 15; i < log.size(); ++i) log[i].train_loss = NAN;
  Diagnosis d = diagnose(log);
  EXPECT_TRUE(any_contains(d.evidence,
                           "train loss is not finite at epoch 16 (training diverged); the diagnosis "
                           "uses the 15 epoch(s) before it"))
      << joined(d);
  EXPECT_EQ(d.verdict, Verdict::Overfitting) << joined(d);
  EXPECT_TRUE(any_contains(d.evidence, "at epoch 15")) << joined(d);
}

TEST(TrainDiagnosis, RejectsPercentAccuraciesAndBadOptions) {
  auto log = keel::testing::good_fit_log();
  log[3].val_acc = 87.5;
  try {
    diagnose(log);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("accuracy 87.5 at epoch 4 is not a fraction"), std::string::npos)
        << e.what();
  }
  DiagnosisOptions o;
  o.min_epochs = 1;
  EXPECT_THROW(diagnose(keel::testing::good_fit_log(), o), Error);
  o = {};
  o.max_acc_gap = 5;
  EXPECT_THROW(diagnose(keel::testing::good_fit_log(), o), Error);
}

TEST(TrainDiagnosis, VerdictNames) {
  EXPECT_STREQ(to_string(Verdict::Overfitting), "overfitting");
  EXPECT_STREQ(to_string(Verdict::Underfitting), "underfitting");
  EXPECT_STREQ(to_string(Verdict::GoodFit), "good fit");
  EXPECT_STREQ(to_string(Verdict::Inconclusive), "inconclusive");
}

TEST(TrainGradientWarnings, ExplodingAndVanishingPerEpoch) {
  const double norms[] = {1.0, 1.2, 1.1, 15.0, 40.0, 2.0, 1.5, NAN, 1e-8, 1e-9, 1.0, INFINITY};
  auto log = make_log(12, [&](int e, EpochMetrics& m) {
    m.train_loss = 1.0;
    m.grad_norm = norms[e - 1];
  });
  auto w = gradient_warnings(log);
  ASSERT_EQ(w.size(), 3u);
  EXPECT_EQ(w[0].kind, GradientWarning::Kind::Exploding);
  EXPECT_EQ(w[0].first_epoch, 4);
  EXPECT_EQ(w[0].last_epoch, 5);
  EXPECT_DOUBLE_EQ(w[0].worst, 40.0);
  EXPECT_EQ(w[0].message,
            "exploding gradient norm at epochs 4-5: up to 40.000 (first measured 1.000); consider "
            "gradient clipping, a lower learning rate or a better init");
  EXPECT_EQ(w[1].kind, GradientWarning::Kind::Vanishing);
  EXPECT_EQ(w[1].first_epoch, 9);
  EXPECT_EQ(w[1].last_epoch, 10);
  EXPECT_DOUBLE_EQ(w[1].worst, 1e-9);
  EXPECT_NE(w[1].message.find("vanishing gradient norm at epochs 9-10: as low as 1.00e-09 (below 1.00e-06)"),
            std::string::npos)
      << w[1].message;
  EXPECT_EQ(w[2].kind, GradientWarning::Kind::Exploding);
  EXPECT_EQ(w[2].first_epoch, 12);
  EXPECT_NE(w[2].message.find("at epoch 12: up to inf"), std::string::npos) << w[2].message;
  EXPECT_EQ(w[2].first_step, -1);
}

TEST(TrainGradientWarnings, HealthyNormsGiveNoWarnings) {
  auto log = make_log(10, [](int e, EpochMetrics& m) { m.grad_norm = 1.0 + 0.3 * e; });
  EXPECT_TRUE(gradient_warnings(log).empty());
}

TEST(TrainGradientWarnings, BoundAndPerStepNorms) {
  std::vector<double> steps(30, 2.0);
  steps[25] = 5000.0;  // epoch 3 (steps 20-29) with 10 steps per epoch
  auto w = gradient_warnings(steps, 10);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].first_epoch, 3);
  EXPECT_EQ(w[0].first_step, 25);
  EXPECT_EQ(w[0].last_step, 25);
  EXPECT_NE(w[0].message.find("at epoch 3 (step 25): up to 5000.000"), std::string::npos) << w[0].message;
  // Above the absolute bound from the start: no growth needed.
  std::vector<double> big(5, 2000.0);
  auto wb = gradient_warnings(big, 1);
  ASSERT_EQ(wb.size(), 1u);
  EXPECT_EQ(wb[0].first_epoch, 1);
  EXPECT_EQ(wb[0].last_epoch, 5);
  GradientWarningOptions no_bound;
  no_bound.explode_bound = 0;
  EXPECT_TRUE(gradient_warnings(big, 1, 1, no_bound).empty());
  EXPECT_THROW(gradient_warnings(steps, 0), Error);
}
