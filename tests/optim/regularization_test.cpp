#include <gtest/gtest.h>
#include <keel/nn/container.h>
#include <keel/nn/linear.h>
#include <keel/nn/penalty.h>
#include <keel/nn/utils/clip_grad.h>
#include <keel/ops/indexing.h>
#include <keel/train/early_stopping.h>

#include <cmath>

#include "optim/optim_fixture.h"
#include "support/gradcheck.h"

using namespace keel;
using keel::testing::GoldenOp;
using keel::testing::max_abs_diff;
using keel::testing::tensor_from_json;
using nlohmann::json;

TEST(Penalty, MatchesPyTorch) {
  std::map<std::string, GoldenOp> ops = {
      {"l1", [](const std::vector<Tensor>& x, const json&) { return nn::l1_penalty(x); }},
      {"l2", [](const std::vector<Tensor>& x, const json&) { return nn::l2_penalty(x); }},
      {"elastic",
       [](const std::vector<Tensor>& x, const json& a) { return nn::elastic_net_penalty(x, a["alpha"]); }},
  };
  EXPECT_EQ(keel::testing::check_golden("penalty", ops), 6);
}

TEST(Penalty, Gradcheck) {
  using keel::testing::rand_input;
  auto a = rand_input({3, 4}, -1, 1, 1), b = rand_input({5}, -1, 1, 2);
  EXPECT_GRADCHECK([](const std::vector<Tensor>& x) { return nn::l1_penalty(x); }, {a, b});
  EXPECT_GRADCHECK([](const std::vector<Tensor>& x) { return nn::l2_penalty(x); }, {a, b});
  EXPECT_GRADCHECK([](const std::vector<Tensor>& x) { return nn::elastic_net_penalty(x, 0.25); }, {a, b});
}

namespace {
// A ReLU layer (nn::ReLU's translation unit also needs softmax, which this test does not).
struct Relu : nn::Module {
  Relu() : nn::Module("ReLU") {}
  Tensor forward(const Tensor& x) override { return relu(x); }
};
}  // namespace

TEST(Penalty, WeightsOnlyAndTrainingLoop) {
  auto model = std::make_shared<nn::Sequential>(std::initializer_list<std::shared_ptr<nn::Module>>{
      std::make_shared<nn::Linear>(4, 3), std::make_shared<Relu>(), std::make_shared<nn::Linear>(3, 2)});
  // A normalization layer's weight is not penalized.
  auto norm = std::make_shared<nn::Module>("BatchNorm1d");
  norm->register_parameter("weight", ones({2}));
  auto net = std::make_shared<nn::Module>("Net");
  net->register_module("body", model);
  net->register_module("norm", norm);
  std::vector<Tensor> w = nn::weights_only(*net);
  ASSERT_EQ(w.size(), 2u);
  EXPECT_TRUE(w[0].is_same(model->at<nn::Linear>(0)->weight));
  EXPECT_TRUE(w[1].is_same(model->at<nn::Linear>(2)->weight));
  // The source material's loop: criterion + lambda * L1 over the weights.
  Tensor x = ones({5, 4}), y = zeros({5, 2});
  Tensor out = model->forward(x);
  Tensor loss = ((out - y) * (out - y)).sum() / 10.0 + 1e-3 * nn::l1_penalty(w);
  loss.backward();
  EXPECT_TRUE(model->at<nn::Linear>(0)->weight.grad().defined());
  EXPECT_FALSE(norm->param("weight").grad().defined());
  EXPECT_DOUBLE_EQ(nn::l1_penalty({}).item(), 0.0);
}

TEST(ClipGrad, MatchesPyTorch) {
  int checked = 0;
  for (const auto& c : keel::testing::optim_golden().at("clip")) {
    std::vector<Tensor> params;
    for (const auto& g : c.at("grads")) {
      Tensor gt = tensor_from_json(g);
      Tensor p = zeros_like(gt).requires_grad_();
      p.set_grad(gt.clone());
      params.push_back(p);
    }
    const bool f64 = params[0].dtype() == kFloat64;
    const double tol = f64 ? 1e-12 : 1e-6;
    std::string what = c.dump().substr(0, 80);
    if (c.at("kind") == "norm") {
      double p = c.at("norm_type").is_string() ? INFINITY : c.at("norm_type").get<double>();
      Tensor total = nn::utils::clip_grad_norm_(params, c.at("max_norm").get<double>(), p);
      EXPECT_EQ(total.dtype(), params[0].dtype());
      EXPECT_LE(max_abs_diff(total, tensor_from_json(c.at("total"))), tol * 10) << what;
    } else {
      nn::utils::clip_grad_value_(params, c.at("clip_value").get<double>());
    }
    for (std::size_t i = 0; i < params.size(); ++i)
      EXPECT_LE(max_abs_diff(params[i].grad(), tensor_from_json(c.at("clipped")[i])), tol)
          << what << " grad " << i;
    ++checked;
  }
  EXPECT_EQ(checked, 26);
}

TEST(ClipGrad, NonFiniteAndEmpty) {
  Tensor p = zeros({2}).requires_grad_();
  p.set_grad(tensor({1.0, INFINITY}));
  EXPECT_THROW(nn::utils::clip_grad_norm_(p, 1.0, 2.0, /*error_if_nonfinite=*/true), Error);
  EXPECT_DOUBLE_EQ(p.grad()[0].item(), 1.0);  // untouched
  Tensor total = nn::utils::clip_grad_norm_(p, 1.0);
  EXPECT_TRUE(std::isinf(total.item()));
  EXPECT_DOUBLE_EQ(p.grad()[0].item(), 0.0);  // scaled by 1 / inf, as PyTorch
  Tensor none = zeros({2}).requires_grad_();
  EXPECT_DOUBLE_EQ(nn::utils::clip_grad_norm_(none, 1.0).item(), 0.0);
}

// SGD with momentum and gradient clipping fits a small linear regression.
TEST(ClipGrad, SgdMomentumWithClippingConverges) {
  Tensor a = linspace(-1, 1, 32).reshape({32, 1});
  Tensor X = cat({a, a * a - 0.35}, 1);
  Tensor w_true = tensor({2.0, -3.0}).reshape({2, 1});
  Tensor y = matmul(X, w_true) + 0.5;
  Tensor w = zeros({2, 1}).requires_grad_(), b = zeros({1}).requires_grad_();
  optim::SGD opt(std::vector<Tensor>{w, b}, {.lr = 0.1, .momentum = 0.9});
  double first = 0, last = 0;
  for (int step = 0; step < 300; ++step) {
    opt.zero_grad();
    Tensor d = matmul(X, w) + b - y;
    Tensor loss = (d * d).sum() / 32.0;
    loss.backward();
    Tensor norm = nn::utils::clip_grad_norm_(std::vector<Tensor>{w, b}, 1.0);
    EXPECT_TRUE(std::isfinite(norm.item()));
    opt.step();
    (step == 0 ? first : last) = loss.item();
  }
  EXPECT_GT(first, 1.0);
  EXPECT_LT(last, 1e-6);
  EXPECT_NEAR(w.detach()[0][0].item(), 2.0, 1e-3);
  EXPECT_NEAR(w.detach()[1][0].item(), -3.0, 1e-3);
  EXPECT_NEAR(b.detach()[0].item(), 0.5, 1e-3);
}

TEST(EarlyStopping, PatienceMinDeltaAndBestEpoch) {
  train::EarlyStopping stop(2, 0.01, "min");
  EXPECT_FALSE(stop.step(1.0));
  EXPECT_FALSE(stop.step(0.8));
  EXPECT_FALSE(stop.step(0.795));  // not better by more than min_delta
  EXPECT_EQ(stop.bad_epochs(), 1);
  EXPECT_FALSE(stop.step(0.7));
  EXPECT_FALSE(stop.step(0.75));
  EXPECT_TRUE(stop.step(0.72));
  EXPECT_DOUBLE_EQ(stop.best_value(), 0.7);
  EXPECT_EQ(stop.best_epoch(), 3);

  train::EarlyStopping acc(1, 0.0, "max");
  EXPECT_FALSE(acc.step(0.5));
  EXPECT_FALSE(acc.step(0.6));
  EXPECT_TRUE(acc.step(0.6));
  EXPECT_EQ(acc.best_epoch(), 1);
  EXPECT_THROW(train::EarlyStopping(1, 0.0, "median"), Error);
}

TEST(EarlyStopping, RestoresBestWeights) {
  auto model = std::make_shared<nn::Linear>(2, 1);
  train::EarlyStopping stop(1);
  EXPECT_THROW(stop.restore_best(*model), Error);
  {
    NoGradGuard g;
    model->weight.fill_(1.0);
  }
  stop.step(0.5, *model);  // best so far: weights are 1
  {
    NoGradGuard g;
    model->weight.fill_(2.0);
  }
  EXPECT_TRUE(stop.step(0.6, *model));
  stop.restore_best(*model);
  EXPECT_DOUBLE_EQ(model->weight.detach()[0][1].item(), 1.0);
}
