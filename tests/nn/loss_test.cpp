#include <gtest/gtest.h>
#include <keel/keel.h>

#include "support/golden.h"
#include "support/gradcheck.h"
#include "support/simd_targets.h"

using namespace keel;
using keel::testing::GoldenOp;
using nlohmann::json;

namespace {
nn::Reduction red(const json& a) { return nn::parse_reduction(a.at("reduction").get<std::string>()); }
}  // namespace

TEST(Loss, MatchesPyTorch) {
  std::map<std::string, GoldenOp> ops = {
      {"mse", [](const std::vector<Tensor>& x, const json& a) { return nn::MSELoss(red(a))(x[0], x[1]); }},
      {"l1", [](const std::vector<Tensor>& x, const json& a) { return nn::L1Loss(red(a))(x[0], x[1]); }},
      {"ce",
       [](const std::vector<Tensor>& x, const json& a) {
         nn::CrossEntropyLossOptions o;
         o.reduction = red(a);
         o.label_smoothing = a.value("label_smoothing", 0.0);
         if (x.size() > 2) o.weight = x[2];
         return nn::CrossEntropyLoss(o)(x[0], x[1]);
       }},
      {"nll", [](const std::vector<Tensor>& x,
                 const json& a) { return nn::NLLLoss(x[2], -100, red(a))(x[0], x[1]); }},
      {"bce", [](const std::vector<Tensor>& x,
                 const json& a) { return nn::BCELoss(x.size() > 2 ? x[2] : Tensor(), red(a))(x[0], x[1]); }},
      {"bce_logits",
       [](const std::vector<Tensor>& x, const json& a) {
         return nn::BCEWithLogitsLoss(Tensor(), x.size() > 2 ? x[2] : Tensor(), red(a))(x[0], x[1]);
       }},
      {"linear",
       [](const std::vector<Tensor>& x, const json&) { return nn::functional::linear(x[0], x[1], x[2]); }},
  };
  keel::testing::on_every_simd_target([&] { EXPECT_GT(keel::testing::check_golden("losses", ops), 70); });
}

TEST(Loss, GradcheckEveryLoss) {
  using keel::testing::rand_input;
  auto x = rand_input({4, 5}, -1, 1, 1), y = rand_input({4, 5}, -1, 1, 2);
  Tensor target = from_vector(std::vector<std::int64_t>{0, 4, 2, 2});
  Tensor w = from_vector(std::vector<double>{1.0, 0.5, 2.0, 1.5, 0.7});
  auto probs = rand_input({4, 5}, 0.1, 0.9, 3);
  Tensor labels = rand_input({4, 5}, 0, 1, 4).detach().gt(0.5).to(kFloat64);
  EXPECT_GRADCHECK([](const std::vector<Tensor>& v) { return nn::functional::mse_loss(v[0], v[1]); }, {x, y});
  EXPECT_GRADCHECK([](const std::vector<Tensor>& v) { return nn::functional::l1_loss(v[0], v[1]); }, {x, y});
  EXPECT_GRADCHECK(
      [&](const std::vector<Tensor>& v) {
        return nn::functional::cross_entropy(v[0], target, w, -100, nn::Reduction::Mean, 0.1);
      },
      {x});
  // The fused path (no class weights, no smoothing): mean, sum, and a row whose target is ignored.
  Tensor target_ign = from_vector(std::vector<std::int64_t>{0, -100, 2, 4});
  for (nn::Reduction r : {nn::Reduction::Mean, nn::Reduction::Sum}) {
    EXPECT_GRADCHECK(
        [&](const std::vector<Tensor>& v) {
          return nn::functional::cross_entropy(v[0], target_ign, Tensor(), -100, r, 0.0);
        },
        {x});
  }
  EXPECT_GRADCHECK(
      [&](const std::vector<Tensor>& v) { return nn::functional::binary_cross_entropy(v[0], labels); },
      {probs});
  EXPECT_GRADCHECK(
      [&](const std::vector<Tensor>& v) {
        return nn::functional::binary_cross_entropy_with_logits(v[0], labels, Tensor(), w);
      },
      {x});
}

TEST(Loss, CrossEntropyIsStableForHugeLogits) {
  Tensor logits = tensor({{1000.0, -1000.0}, {-1000.0, 1000.0}});
  Tensor target = from_vector(std::vector<std::int64_t>{0, 1});
  EXPECT_NEAR(nn::functional::cross_entropy(logits, target).item(), 0.0, 1e-6);
  EXPECT_NEAR(nn::functional::binary_cross_entropy_with_logits(tensor({200.0}), tensor({0.0})).item(), 200.0,
              1e-3);
}

TEST(Loss, BadInputsAreClearErrors) {
  Tensor logits = zeros({3, 4});
  EXPECT_THROW(nn::functional::cross_entropy(logits, from_vector(std::vector<std::int64_t>{0, 4, 1})), Error);
  EXPECT_THROW(nn::functional::cross_entropy(logits, zeros({3})), Error);  // float target
  EXPECT_THROW(nn::functional::cross_entropy(logits, from_vector(std::vector<std::int64_t>{0, 1})), Error);
  EXPECT_THROW(nn::functional::mse_loss(zeros({2, 3}), zeros({3, 2})), Error);
  EXPECT_THROW(nn::functional::binary_cross_entropy(tensor({1.5}), tensor({1.0})), Error);
  EXPECT_THROW(nn::parse_reduction("avg"), Error);
  nn::CrossEntropyLossOptions bad;
  bad.label_smoothing = 1.5;
  EXPECT_THROW(nn::CrossEntropyLoss{bad}, Error);
}
