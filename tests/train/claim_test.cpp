// The [claim] table of `keel compare`: strict reading, and verdicts on synthetic histories where
// the answer is known (a claim that holds, one that does not, divergence, a target never met).
#include "keel/train/claim.h"

#include <gtest/gtest.h>

#include <cmath>

#include "support/errors.h"

namespace keel::train {
namespace {

using testing::error_of;

// A run whose validation accuracy per epoch is `val`; train accuracy 0.05 above it.
ClaimRun run(const std::string& name, std::vector<double> val, double test_acc = NAN, bool diverged = false) {
  ClaimRun r;
  r.name = name;
  for (std::size_t i = 0; i < val.size(); ++i) {
    EpochMetrics m;
    m.epoch = static_cast<int>(i) + 1;
    m.val_acc = val[i];
    m.train_acc = val[i] + 0.05;
    m.train_loss = 1.0 - val[i];
    m.val_loss = 1.0 - val[i];
    r.log.push_back(m);
  }
  r.test_acc = test_acc;
  r.diverged = diverged;
  return r;
}

Claim parse(const std::string& body) {
  auto c = read_claim_toml("[claim]\nstatement = \"s\"\n" + body, "c.toml");
  EXPECT_TRUE(c.has_value());
  return c ? *c : Claim{};
}

const char* kFaster =
    "[[claim.expect]]\nmetric = \"epochs_to_val_acc\"\ntarget = 0.85\nof = \"bn_*\"\nis = \"less\"\n"
    "than = \"none_*\"\n";

TEST(Claim, AbsentTableIsNoClaim) { EXPECT_FALSE(read_claim_toml("[run]\nname = \"x\"\n", "c.toml")); }

TEST(Claim, ReadsExpectations) {
  Claim c = parse(std::string(kFaster) +
                  "[[claim.expect]]\nmetric = \"final_val_acc\"\nof = [\"bn_a\", \"bn_b\"]\naggregate = "
                  "\"spread\"\nis = \"less\"\nvalue = 0.02\nby = 0.001\n");
  ASSERT_EQ(c.expect.size(), 2u);
  EXPECT_EQ(c.statement, "s");
  EXPECT_EQ(c.expect[0].metric, "epochs_to_val_acc");
  EXPECT_DOUBLE_EQ(c.expect[0].target, 0.85);
  EXPECT_EQ(c.expect[0].aggregate, "mean");
  EXPECT_EQ(c.expect[0].than, std::vector<std::string>{"none_*"});
  EXPECT_EQ(c.expect[1].of, (std::vector<std::string>{"bn_a", "bn_b"}));
  EXPECT_DOUBLE_EQ(*c.expect[1].value, 0.02);
  EXPECT_DOUBLE_EQ(c.expect[1].by, 0.001);
}

TEST(Claim, RefusesBadTablesNamingTheKeyAndLine) {
  auto err = [](const std::string& text) { return error_of([&] { read_claim_toml(text, "c.toml"); }); };
  std::string m = err("[claim]\nstatement = \"s\"\nstatment = 1\n[[claim.expect]]\n");
  EXPECT_NE(m.find("c.toml:3"), std::string::npos) << m;
  EXPECT_NE(m.find("unknown key 'statment'"), std::string::npos) << m;
  m = err("[claim]\n[[claim.expect]]\nmetric = \"test_acc\"\n");
  EXPECT_NE(m.find("needs a statement"), std::string::npos) << m;
  m = err("[claim]\nstatement = \"s\"\n");
  EXPECT_NE(m.find("[[claim.expect]]"), std::string::npos) << m;
  const std::string head = "[claim]\nstatement = \"s\"\n[[claim.expect]]\n";
  m = err(head + "metric = \"accuracy\"\nof = \"a\"\nis = \"less\"\nvalue = 1\n");
  EXPECT_NE(m.find("metric = \"accuracy\" is not one of"), std::string::npos) << m;
  m = err(head + "metric = \"epochs_to_val_acc\"\nof = \"a\"\nis = \"less\"\nvalue = 1\n");
  EXPECT_NE(m.find("needs target"), std::string::npos) << m;
  m = err(head + "metric = \"test_acc\"\ntarget = 0.5\nof = \"a\"\nis = \"less\"\nvalue = 1\n");
  EXPECT_NE(m.find("target applies only"), std::string::npos) << m;
  m = err(head + "metric = \"test_acc\"\nof = \"a\"\nis = \"less\"\nvalue = 1\nthan = \"b\"\n");
  EXPECT_NE(m.find("give exactly one"), std::string::npos) << m;
  m = err(head + "metric = \"test_acc\"\nof = \"a\"\nis = \"smaller\"\nvalue = 1\n");
  EXPECT_NE(m.find("is = \"smaller\" is not one of less, greater"), std::string::npos) << m;
  m = err(head + "metric = \"test_acc\"\nof = 3\nis = \"less\"\nvalue = 1\n");
  EXPECT_NE(m.find("of must be a variant name"), std::string::npos) << m;
  m = err(head + "metric = \"test_acc\"\nof = \"a\"\nis = \"less\"\nvalue = 1\nby = -1\n");
  EXPECT_NE(m.find("must not be negative"), std::string::npos) << m;
}

TEST(Claim, GroupsMustMatchVariants) {
  Claim c = parse(kFaster);
  std::string m = error_of([&] { check_claim_variants(c, {"bn_1", "bn_2", "gn_1"}); });
  EXPECT_NE(m.find("'none_*' matches no [[variant]]"), std::string::npos) << m;
  check_claim_variants(c, {"bn_1", "none_1"});
  Claim s = parse(
      "[[claim.expect]]\nmetric = \"test_acc\"\nof = \"bn_1\"\naggregate = \"std\"\nis = \"less\"\nvalue = "
      "1\n");
  m = error_of([&] { check_claim_variants(s, {"bn_1", "bn_2"}); });
  EXPECT_NE(m.find("needs two or more variants"), std::string::npos) << m;
}

TEST(Claim, AClaimThatHoldsIsReproduced) {
  Claim c = parse(kFaster);
  // bn reaches 85% at epochs 2 and 1 (mean 1.5); none at 3 and 4 (mean 3.5).
  std::vector<ClaimRun> runs = {run("bn_a", {0.8, 0.86, 0.9}), run("bn_b", {0.87, 0.88, 0.9}),
                                run("none_a", {0.7, 0.8, 0.85, 0.86}), run("none_b", {0.7, 0.8, 0.84, 0.9})};
  ClaimVerdict v = evaluate_claim(c, runs);
  EXPECT_TRUE(v.reproduced);
  ASSERT_EQ(v.checks.size(), 1u);
  EXPECT_EQ(v.line(),
            "verdict: reproduced \u2014 epochs to 85.0% val acc: mean 1.5 [bn_a 2, bn_b 1] < mean 3.5 "
            "[none_a 3, none_b 4] (holds)");
}

TEST(Claim, AClaimThatFailsIsNotReproduced) {
  Claim c = parse(kFaster);
  // One none run never reaches 85%: its mean is infinite, so bn is faster ...
  std::vector<ClaimRun> runs = {run("bn_a", {0.8, 0.86}), run("none_a", {0.7, 0.8})};
  EXPECT_TRUE(evaluate_claim(c, runs).reproduced);
  // ... but here the runs without batch norm get there first, and no margin rescues it.
  runs = {run("bn_a", {0.8, 0.84, 0.86}), run("none_a", {0.86, 0.9})};
  ClaimVerdict v = evaluate_claim(c, runs);
  EXPECT_FALSE(v.reproduced);
  EXPECT_EQ(v.line(), "verdict: not reproduced \u2014 epochs to 85.0% val acc: bn_a 3 < none_a 1 (fails)");
  // Equal values do not make "less".
  runs = {run("bn_a", {0.86}), run("none_a", {0.86})};
  EXPECT_FALSE(evaluate_claim(c, runs).reproduced);
}

TEST(Claim, SpreadAndMarginAndEveryExpectationMustHold) {
  Claim c = parse(
      "[[claim.expect]]\nmetric = \"final_val_acc\"\nof = \"bn_*\"\naggregate = \"spread\"\nis = \"less\"\n"
      "than = \"none_*\"\n"
      "[[claim.expect]]\nmetric = \"best_val_acc\"\nof = \"bn_*\"\naggregate = \"min\"\nis = \"greater\"\n"
      "than = \"none_*\"\nby = 0.05\n");
  std::vector<ClaimRun> runs = {run("bn_1", {0.88}), run("bn_2", {0.9}), run("none_1", {0.5}),
                                run("none_2", {0.86})};
  ClaimVerdict v = evaluate_claim(c, runs);
  // spread: bn 2 pts < none 36 pts holds; min best val: bn 88% > none 50% + 5 pts holds.
  EXPECT_TRUE(v.reproduced) << v.line();
  EXPECT_NE(v.checks[0].find("spread 2.0 pts"), std::string::npos) << v.checks[0];
  EXPECT_NE(v.checks[1].find("+ 5.0 pts"), std::string::npos) << v.checks[1];
  runs[3] = run("none_2", {0.84});
  runs[2] = run("none_1", {0.85});
  v = evaluate_claim(c, runs);  // spread 2 < 1 fails; 88% > 84% + 5 pts fails
  EXPECT_FALSE(v.reproduced);
  EXPECT_EQ(v.held, (std::vector<bool>{false, false}));
}

TEST(Claim, ADivergedRunCountsAsTheWorst) {
  Claim c =
      parse("[[claim.expect]]\nmetric = \"test_acc\"\nof = \"clip\"\nis = \"greater\"\nthan = \"no_clip\"\n");
  std::vector<ClaimRun> runs = {run("clip", {0.6}, 0.55), run("no_clip", {0.7}, NAN, true)};
  ClaimVerdict v = evaluate_claim(c, runs);
  EXPECT_TRUE(v.reproduced);
  EXPECT_NE(v.checks[0].find("no_clip 0.0% (diverged)"), std::string::npos) << v.checks[0];
}

}  // namespace
}  // namespace keel::train
