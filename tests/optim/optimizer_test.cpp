#include <gtest/gtest.h>

#include <cmath>

#include "optim/optim_fixture.h"
#include "support/gradcheck.h"

using namespace keel;
using keel::testing::max_abs_diff;
using keel::testing::tensor_from_json;
using nlohmann::json;

namespace {

std::string case_name(const json& c) {
  return c.at("optimizer").get<std::string>() + c.at("options").dump() + " " +
         c.at("dtype").get<std::string>() + (c.contains("groups") ? " groups" : "");
}

// Mismatch description of `got` against the golden parameters, or "".
std::string compare(const std::vector<Tensor>& got, const json& want, DType dt) {
  const double atol = dt == kFloat64 ? 1e-11 : 2e-6, rtol = dt == kFloat64 ? 1e-9 : 1e-4;
  for (std::size_t i = 0; i < got.size(); ++i) {
    Tensor w = tensor_from_json(want[i]).to(kFloat64), g = got[i].detach().to(kFloat64).contiguous();
    const double* pw = w.data_ptr<double>();
    const double* pg = g.data_ptr<double>();
    for (std::int64_t k = 0; k < w.numel(); ++k)
      if (!(std::fabs(pg[k] - pw[k]) <= atol + rtol * std::fabs(pw[k])))
        return "param " + std::to_string(i) + " element " + std::to_string(k) + ": got " +
               std::to_string(pg[k]) + ", expected " + std::to_string(pw[k]);
  }
  return "";
}

void train_step(optim::Optimizer& opt, const keel::testing::TinyMlp& m) {
  opt.zero_grad();
  m.loss().backward();
  opt.step();
}

}  // namespace

TEST(Optim, TrajectoriesMatchPyTorch) {
  int checked = 0;
  for (const auto& c : keel::testing::optim_golden().at("optimizers")) {
    DType dt = keel::testing::parse_dt(c.at("dtype"));
    keel::testing::TinyMlp m(dt);
    auto opt = keel::testing::make_optimizer(c.at("optimizer"), c.at("options"),
                                             keel::testing::case_groups(c, m.params));
    for (std::size_t s = 0; s < c.at("steps").size(); ++s) {
      train_step(*opt, m);
      std::string err = compare(m.params, c["steps"][s], dt);
      ASSERT_TRUE(err.empty()) << case_name(c) << " step " << s + 1 << ": " << err;
    }
    ++checked;
  }
  EXPECT_GE(checked, 58);
}

// Saving after 3 steps and loading into a fresh optimizer over copies of the parameters
// continues exactly like the uninterrupted run.
TEST(Optim, StateDictRoundTripResumesExactly) {
  int checked = 0;
  for (const auto& c : keel::testing::optim_golden().at("optimizers")) {
    DType dt = keel::testing::parse_dt(c.at("dtype"));
    keel::testing::TinyMlp m(dt);
    auto opt = keel::testing::make_optimizer(c.at("optimizer"), c.at("options"),
                                             keel::testing::case_groups(c, m.params));
    for (int s = 0; s < 3; ++s) train_step(*opt, m);
    optim::OptimizerState saved = opt->state_dict();
    // The snapshot is a copy: more steps on the original do not change it.
    train_step(*opt, m);

    keel::testing::TinyMlp resumed(dt);
    for (std::size_t i = 0; i < resumed.params.size(); ++i) {
      NoGradGuard g;
      resumed.params[i].copy_(tensor_from_json(c["steps"][2][i]));
    }
    // A fresh optimizer built with different options: load_state_dict restores the saved ones.
    auto opt2 = keel::testing::make_optimizer(c.at("optimizer"), json{{"lr", 123.0}},
                                              keel::testing::case_groups(c, resumed.params));
    opt2->load_state_dict(saved);
    for (std::size_t s = 3; s < c.at("steps").size(); ++s) {
      train_step(*opt2, resumed);
      std::string err = compare(resumed.params, c["steps"][s], dt);
      ASSERT_TRUE(err.empty()) << case_name(c) << " resumed step " << s + 1 << ": " << err;
    }
    ++checked;
  }
  EXPECT_GE(checked, 58);
}

TEST(Optim, StateDictLayout) {
  keel::testing::TinyMlp m(kFloat32);
  optim::Adam opt(std::vector<optim::ParamGroup>{{{m.params[0], m.params[1]}},
                                                 {{m.params[2], m.params[3]}, {{"lr", 0.5}}}},
                  {.amsgrad = true});
  m.params[3].set_grad(Tensor());
  m.loss().backward();
  m.params[3].set_grad(Tensor());  // no gradient: no state
  opt.step();
  optim::OptimizerState s = opt.state_dict();
  ASSERT_EQ(s.param_groups.size(), 2u);
  EXPECT_EQ(s.param_groups[1].params, (std::vector<std::int64_t>{2, 3}));
  EXPECT_DOUBLE_EQ(s.param_groups[1].options.at("lr"), 0.5);
  EXPECT_DOUBLE_EQ(s.param_groups[0].options.at("lr"), 1e-3);
  EXPECT_EQ(s.state.size(), 3u);
  EXPECT_EQ(s.state.at(0).step, 1);
  EXPECT_EQ(s.state.at(0).buffers.count("max_exp_avg_sq"), 1u);
  EXPECT_EQ(s.state.count(3), 0u);
  // Mismatched layouts are refused.
  optim::Adam other(std::vector<Tensor>{m.params[0]});
  EXPECT_THROW(other.load_state_dict(s), Error);
}

TEST(Optim, ZeroGradAndSkippedParams) {
  Tensor a = tensor({1.0, 2.0}).requires_grad_(), b = tensor({3.0}).requires_grad_();
  optim::SGD opt(std::vector<Tensor>{a, b}, {.lr = 0.5, .momentum = 0.9});
  (a * a).sum().backward();
  opt.step();  // b has no gradient: untouched, and gets no state
  EXPECT_DOUBLE_EQ(a.detach()[0].item(), 0.0);
  EXPECT_DOUBLE_EQ(b.detach()[0].item(), 3.0);
  EXPECT_FALSE(opt.state(b).initialized());
  EXPECT_TRUE(opt.state(a).initialized());
  opt.zero_grad();
  ASSERT_TRUE(a.grad().defined());
  EXPECT_DOUBLE_EQ(a.grad().abs().sum().item(), 0.0);
  opt.zero_grad(/*set_to_none=*/true);
  EXPECT_FALSE(a.grad().defined());
}

TEST(Optim, StepBumpsVersionAndRecordsNoHistory) {
  Tensor w = tensor({1.0, -1.0}).requires_grad_();
  Tensor y = w * w;  // saves w for backward
  optim::Adam opt(std::vector<Tensor>{w});
  y.sum().backward(Tensor(), /*retain_graph=*/true);
  opt.step();
  EXPECT_TRUE(w.is_leaf());
  EXPECT_THROW(y.sum().backward(), Error);  // w changed in place since it was saved
}

TEST(Optim, AddParamGroupFillsDefaultsAndRejectsDuplicates) {
  Tensor a = zeros({2}).requires_grad_(), b = zeros({2}).requires_grad_();
  optim::SGD opt(std::vector<Tensor>{a}, {.lr = 0.1, .momentum = 0.9});
  opt.add_param_group({{b}, {{"lr", 0.01}}});
  ASSERT_EQ(opt.param_groups().size(), 2u);
  EXPECT_DOUBLE_EQ(opt.param_groups()[1].lr(), 0.01);
  EXPECT_DOUBLE_EQ(opt.param_groups()[1].get("momentum"), 0.9);
  EXPECT_THROW(opt.add_param_group({{a}}), Error);
  EXPECT_THROW(opt.add_param_group({{zeros({1}).requires_grad_()}, {{"lr", -1.0}}}), Error);
}

TEST(Optim, InvalidOptionsNameTheOption) {
  std::vector<Tensor> p = {zeros({2}).requires_grad_()};
  auto expect_error = [](auto&& make, const std::string& needle) {
    try {
      make();
      ADD_FAILURE() << "no error for " << needle;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_error([&] { optim::SGD(p, {.lr = -0.1}); }, "learning rate (lr): -0.1");
  expect_error([&] { optim::SGD(p, {}); }, "lr is required");
  expect_error([&] { optim::SGD(p, {.lr = 0.1, .momentum = -0.5}); }, "momentum value: -0.5");
  expect_error([&] { optim::SGD(p, {.lr = 0.1, .weight_decay = -1}); }, "weight_decay value: -1");
  expect_error([&] { optim::SGD(p, {.lr = 0.1, .nesterov = true}); }, "Nesterov momentum requires");
  expect_error([&] { optim::SGD(p, {.lr = 0.1, .momentum = 0.9, .dampening = 0.1, .nesterov = true}); },
               "dampening=0.1");
  expect_error([&] { optim::Adam(p, {.beta1 = 1.0}); }, "beta parameter at index 0 (beta1): 1");
  expect_error([&] { optim::Adam(p, {.beta2 = -0.1}); }, "beta parameter at index 1 (beta2): -0.1");
  expect_error([&] { optim::Adam(p, {.eps = -1e-8}); }, "epsilon value (eps): -1e-08");
  expect_error([&] { optim::AdamW(p, {.weight_decay = -0.01}); }, "AdamW: Invalid weight_decay value: -0.01");
  expect_error([&] { optim::RMSprop(p, {.alpha = -0.5}); }, "alpha value: -0.5");
  expect_error([&] { optim::RMSprop(p, {.momentum = -0.5}); }, "momentum value: -0.5");
  expect_error([&] { optim::Adagrad(p, {.lr_decay = -1}); }, "lr_decay value: -1");
  expect_error([&] { optim::Adagrad(p, {.initial_accumulator_value = -1}); },
               "initial_accumulator_value value: -1");
  expect_error([&] { optim::Adagrad(p, {.lr = -1}); }, "Adagrad: Invalid learning rate");
  expect_error([&] { optim::SGD(std::vector<Tensor>{}, {.lr = 0.1}); }, "empty parameter list");
  expect_error([&] { optim::SGD(std::vector<Tensor>{zeros({2}, kInt64)}, {.lr = 0.1}); }, "floating-point");
}

// Large tensors take the multithreaded path; the update is elementwise, so it matches a
// single-threaded run bit for bit.
TEST(Optim, MultithreadedStepMatchesSingleThread) {
  auto run = [](int threads) {
    set_num_threads(threads);
    Tensor w = linspace(-1, 1, 200001).requires_grad_();
    optim::AdamW opt(std::vector<Tensor>{w}, {.lr = 0.01, .amsgrad = true});
    for (int s = 0; s < 3; ++s) {
      opt.zero_grad();
      (w * w * w).sum().backward();
      opt.step();
    }
    return w.detach().clone();
  };
  int before = get_num_threads();
  Tensor one = run(1), two = run(2);
  set_num_threads(before);
  EXPECT_EQ(max_abs_diff(one, two), 0.0);
}

// A non-contiguous parameter is updated through a contiguous copy written back.
TEST(Optim, NonContiguousParameter) {
  Tensor base = tensor({{1.0, 2.0}, {3.0, 4.0}}, kFloat64);
  Tensor w = base.t().detach().requires_grad_();  // a transposed leaf view
  optim::SGD opt(std::vector<Tensor>{w}, {.lr = 0.5});
  (w * tensor({{1.0, 0.0}, {0.0, 0.0}}, kFloat64)).sum().backward();
  opt.step();
  EXPECT_DOUBLE_EQ(base[0][0].item(), 0.5);
  EXPECT_DOUBLE_EQ(base[1][0].item(), 3.0);
}
