// The bias-variance decomposition against a direct computation on a hand-made case and
// against numpy (tests/golden/gen_bias_variance.py, which writes out mlxtend's 0-1 formulas).
#include "keel/train/bias_variance.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

#include "keel/core/error.h"
#include "keel/tensor/factories.h"
#include "keel/train/bias_variance_run.h"

namespace keel::train {
namespace {

// 3 models, 2 test points, 3 classes. Point 0 (label 0): the models predict 0, 0, 1, so the
// main prediction is right and one model in three strays from it. Point 1 (label 1): they
// predict 2, 2, 1, so the main prediction (2) is wrong and one model is right anyway.
const std::vector<double> kProbs = {
    0.7, 0.2, 0.1, /**/ 0.1, 0.3, 0.6,  // model 0
    0.5, 0.4, 0.1, /**/ 0.2, 0.2, 0.6,  // model 1
    0.3, 0.6, 0.1, /**/ 0.1, 0.8, 0.1,  // model 2
};
const std::vector<std::int64_t> kLabels = {0, 1};

TEST(BiasVariance, SquaredTermsMatchExplicitLoops) {
  const int K = 3, n = 2, C = 3;
  auto p = [&](int k, int i, int c) { return kProbs[(k * n + i) * C + c]; };
  double error = 0, bias2 = 0, variance = 0;
  for (int i = 0; i < n; ++i) {
    for (int c = 0; c < C; ++c) {
      const double y = c == kLabels[i] ? 1 : 0;
      const double mean = (p(0, i, c) + p(1, i, c) + p(2, i, c)) / K;
      bias2 += (mean - y) * (mean - y) / n;
      for (int k = 0; k < K; ++k) {
        error += (p(k, i, c) - y) * (p(k, i, c) - y) / (K * n);
        variance += (p(k, i, c) - mean) * (p(k, i, c) - mean) / (K * n);
      }
    }
  }
  const BiasVariance d = decompose_bias_variance(kProbs, K, n, C, kLabels);
  EXPECT_NEAR(d.sq_error, error, 1e-12);
  EXPECT_NEAR(d.sq_bias2, bias2, 1e-12);
  EXPECT_NEAR(d.sq_variance, variance, 1e-12);
  EXPECT_NEAR(d.sq_error, d.sq_bias2 + d.sq_variance, 1e-12);
  EXPECT_GT(d.sq_variance, 0.01);  // not a degenerate case where the identity holds trivially
  EXPECT_EQ(dominant_term(d), d.sq_bias2 >= d.sq_variance ? "bias" : "variance");
}

TEST(BiasVariance, ZeroOneTermsFollowDomingos) {
  const BiasVariance d = decompose_bias_variance(kProbs, 3, 2, 3, kLabels);
  // Errors: point 0 one in three, point 1 two in three.
  EXPECT_DOUBLE_EQ(d.zero_one_error, (1.0 / 3 + 2.0 / 3) / 2);
  EXPECT_DOUBLE_EQ(d.zero_one_bias, 0.5);                          // only point 1's main prediction is wrong
  EXPECT_DOUBLE_EQ(d.zero_one_variance, (1.0 / 3 + 1.0 / 3) / 2);  // one model off main at each point
  EXPECT_DOUBLE_EQ(d.zero_one_unbiased_variance, (1.0 / 3) / 2);
  EXPECT_DOUBLE_EQ(d.zero_one_biased_variance, (1.0 / 3) / 2);
  EXPECT_DOUBLE_EQ(d.zero_one_net_variance, d.zero_one_error - d.zero_one_bias);
  EXPECT_NEAR(d.zero_one_net_variance, d.zero_one_unbiased_variance - d.zero_one_biased_variance, 1e-15);
}

TEST(BiasVariance, TiedVotesGoToTheSmallestClass) {
  // Two models, one test point labelled 1: they predict 2 and 1, a tie that goes to class 1.
  const std::vector<double> probs = {0.1, 0.2, 0.7, /**/ 0.1, 0.8, 0.1};
  const BiasVariance d = decompose_bias_variance(probs, 2, 1, 3, std::vector<std::int64_t>{1});
  EXPECT_DOUBLE_EQ(d.zero_one_bias, 0.0);
  EXPECT_DOUBLE_EQ(d.zero_one_variance, 0.5);
  // Labelled 2 instead, the same tie makes the main prediction (1) wrong.
  const BiasVariance e = decompose_bias_variance(probs, 2, 1, 3, std::vector<std::int64_t>{2});
  EXPECT_DOUBLE_EQ(e.zero_one_bias, 1.0);
  EXPECT_DOUBLE_EQ(e.zero_one_biased_variance, 0.5);
}

TEST(BiasVariance, AgreesWithNumpyAndMlxtendFormulas) {
  std::ifstream in(std::string(KEEL_GOLDEN_DIR) + "/bias_variance.json");
  ASSERT_TRUE(in) << "tests/golden/bias_variance.json is missing";
  const auto doc = nlohmann::json::parse(in);
  ASSERT_GE(doc["cases"].size(), 4u);
  for (const auto& c : doc["cases"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    const auto probs = c["probabilities"].get<std::vector<double>>();
    const auto labels = c["labels"].get<std::vector<std::int64_t>>();
    const BiasVariance d =
        decompose_bias_variance(probs, c["models"].get<std::int64_t>(), c["points"].get<std::int64_t>(),
                                c["classes"].get<std::int64_t>(), labels);
    EXPECT_NEAR(d.sq_error, c["sq_error"].get<double>(), 1e-12);
    EXPECT_NEAR(d.sq_bias2, c["sq_bias2"].get<double>(), 1e-12);
    EXPECT_NEAR(d.sq_variance, c["sq_variance"].get<double>(), 1e-12);
    EXPECT_NEAR(d.sq_error, d.sq_bias2 + d.sq_variance, 1e-12);
    EXPECT_NEAR(d.zero_one_error, c["zero_one_error"].get<double>(), 1e-12);
    EXPECT_NEAR(d.zero_one_bias, c["zero_one_bias"].get<double>(), 1e-12);
    EXPECT_NEAR(d.zero_one_variance, c["zero_one_variance"].get<double>(), 1e-12);
    EXPECT_NEAR(d.zero_one_net_variance, c["zero_one_net_variance"].get<double>(), 1e-12);
    EXPECT_NEAR(d.zero_one_unbiased_variance, c["zero_one_unbiased_variance"].get<double>(), 1e-12);
    EXPECT_NEAR(d.zero_one_biased_variance, c["zero_one_biased_variance"].get<double>(), 1e-12);
  }
}

TEST(BiasVariance, TensorOverloadMatchesTheSpanOne) {
  const Tensor probs = keel::from_vector(kProbs, {3, 2, 3}).to(kFloat32);
  const Tensor labels = keel::from_vector(kLabels, {2});
  const BiasVariance d = decompose_bias_variance(probs, labels);
  const BiasVariance e = decompose_bias_variance(kProbs, 3, 2, 3, kLabels);
  EXPECT_NEAR(d.sq_error, e.sq_error, 1e-6);
  EXPECT_DOUBLE_EQ(d.zero_one_variance, e.zero_one_variance);
}

TEST(BiasVariance, RefusesBadInput) {
  EXPECT_THROW(decompose_bias_variance(kProbs, 3, 2, 4, kLabels), Error);  // size mismatch
  EXPECT_THROW(decompose_bias_variance(kProbs, 3, 2, 3, std::vector<std::int64_t>{0, 3}), Error);
  EXPECT_THROW(decompose_bias_variance(std::vector<double>{}, 0, 0, 0, std::vector<std::int64_t>{}), Error);
  std::vector<double> nan = kProbs;
  nan[4] = NAN;
  EXPECT_THROW(decompose_bias_variance(nan, 3, 2, 3, kLabels), Error);
}

TEST(BiasVariance, BootstrapDrawsWithReplacementSeededBySeedPlusK) {
  const auto a = bootstrap_indices(200, 7, 0);
  ASSERT_EQ(a.size(), 200u);
  EXPECT_TRUE(std::all_of(a.begin(), a.end(), [](std::int64_t i) { return i >= 0 && i < 200; }));
  // With replacement: about 1 - 1/e = 63% of the samples appear, so some repeat.
  const std::size_t distinct = std::set<std::int64_t>(a.begin(), a.end()).size();
  EXPECT_GT(distinct, 100u);
  EXPECT_LT(distinct, 160u);
  EXPECT_EQ(bootstrap_indices(200, 7, 0), a);  // seeded
  EXPECT_NE(bootstrap_indices(200, 7, 1), a);  // model k = 1 draws another resample
  EXPECT_EQ(bootstrap_indices(200, 6, 1), a);  // seed + k
  EXPECT_THROW(bootstrap_indices(0, 7, 0), Error);
}

}  // namespace
}  // namespace keel::train
