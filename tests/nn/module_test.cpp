#include <gtest/gtest.h>
#include <keel/keel.h>

#include <cmath>
#include <sstream>

#include "support/gradcheck.h"

using namespace keel;

namespace {
// The source's Net: Sequential(Linear(1, 2), Sigmoid()) then Linear(2, 1).
struct Net : nn::Module {
  Net() : Module("Net") {
    layer = register_module(
        "layer", std::make_shared<nn::Sequential>(std::initializer_list<std::shared_ptr<nn::Module>>{
                     std::make_shared<nn::Linear>(1, 2), std::make_shared<nn::Sigmoid>()}));
    fc = register_module("fc", std::make_shared<nn::Linear>(2, 1));
  }
  Tensor forward(const Tensor& x) override { return fc->forward(layer->forward(x)); }
  std::shared_ptr<nn::Sequential> layer;
  std::shared_ptr<nn::Linear> fc;
};
}  // namespace

TEST(Module, DottedParameterNamesLikePyTorch) {
  auto net = std::make_shared<Net>();
  std::vector<std::string> names;
  for (auto& [name, p] : net->named_parameters()) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"layer.0.weight", "layer.0.bias", "fc.weight", "fc.bias"}));
  EXPECT_EQ(net->parameters().size(), 4u);
  for (const Tensor& p : net->parameters()) EXPECT_TRUE(p.requires_grad());
}

TEST(Module, ApplyVisitsEverySubmoduleChildrenFirst) {
  auto net = std::make_shared<Net>();
  std::vector<std::string> order;
  net->apply([&](nn::Module& m) {
    order.push_back(m.type_name());
    if (auto* linear = m.as<nn::Linear>()) {
      nn::init::xavier_uniform_(linear->weight);
      nn::init::constant_(linear->bias, 0.01);
    }
  });
  EXPECT_EQ(order, (std::vector<std::string>{"Linear", "Sigmoid", "Sequential", "Linear", "Net"}));
  EXPECT_FLOAT_EQ(net->fc->bias[0].item<float>(), 0.01f);
  EXPECT_FLOAT_EQ(net->layer->at<nn::Linear>(0)->bias[1].item<float>(), 0.01f);
}

TEST(Module, TrainEvalPropagates) {
  auto net = std::make_shared<Net>();
  EXPECT_TRUE(net->is_training());
  net->eval();
  for (auto& m : net->modules()) EXPECT_FALSE(m->is_training());
  net->train();
  for (auto& m : net->modules()) EXPECT_TRUE(m->is_training());
}

TEST(Module, StateDictRoundTripAndErrors) {
  auto a = std::make_shared<Net>(), b = std::make_shared<Net>();
  b->load_state_dict(a->state_dict());
  for (auto& [name, t] : a->state_dict()) {
    Tensor other;
    for (auto& kv : b->state_dict())
      if (kv.first == name) other = kv.second;
    EXPECT_EQ(keel::testing::max_abs_diff(t, other), 0.0) << name;
  }
  nn::StateDict missing = a->state_dict();
  missing.pop_back();
  try {
    b->load_state_dict(missing);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("Missing key(s) in state_dict: \"fc.bias\""), std::string::npos)
        << e.what();
  }
  nn::StateDict extra = a->state_dict();
  extra.emplace_back("fc.extra", zeros({1}));
  EXPECT_THROW(b->load_state_dict(extra), Error);
  b->load_state_dict(extra, /*strict=*/false);
  nn::StateDict wrong = a->state_dict();
  wrong[0].second = zeros({5, 5});
  try {
    b->load_state_dict(wrong);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("size mismatch for layer.0.weight"), std::string::npos) << e.what();
  }
}

TEST(Module, PrintsStructureLikePyTorch) {
  auto net = std::make_shared<Net>();
  std::ostringstream os;
  os << *net;
  EXPECT_EQ(os.str(),
            "Net(\n"
            "  (layer): Sequential(\n"
            "    (0): Linear(in_features=1, out_features=2, bias=True)\n"
            "    (1): Sigmoid()\n"
            "  )\n"
            "  (fc): Linear(in_features=2, out_features=1, bias=True)\n"
            ")");
}

TEST(Module, ZeroGradAndForward) {
  auto net = std::make_shared<Net>();
  Tensor y = net->forward(ones({4, 1})).sum();
  y.backward();
  EXPECT_TRUE(net->fc->weight.grad().defined());
  net->zero_grad();
  EXPECT_EQ(net->fc->weight.grad().abs().sum().item(), 0.0);
  net->zero_grad(/*set_to_none=*/true);
  EXPECT_FALSE(net->fc->weight.grad().defined());
}

TEST(Module, RegistrationErrors) {
  nn::Module m("M");
  m.register_parameter("w", zeros({2}));
  EXPECT_THROW(m.register_parameter("w", zeros({2})), Error);
  EXPECT_THROW(m.register_buffer("a.b", zeros({2})), Error);
  EXPECT_THROW(m.param("nope"), Error);
  EXPECT_THROW(nn::Linear(0, 3), Error);
  EXPECT_THROW(nn::Dropout(1.5), Error);
  EXPECT_THROW(nn::Dropout(-0.1), Error);
}

TEST(Linear, DefaultInitBoundsAndShapes) {
  manual_seed(3);
  nn::Linear fc(400, 50);
  double bound = 1.0 / std::sqrt(400.0);  // kaiming_uniform_(a=sqrt(5)) gives exactly this bound
  EXPECT_LE(fc.weight.abs().max().item(), bound);
  EXPECT_GT(fc.weight.abs().max().item(), 0.95 * bound);
  EXPECT_LE(fc.bias.abs().max().item(), bound);
  EXPECT_EQ(fc.forward(zeros({7, 400})).sizes(), Dims({7, 50}));
  EXPECT_THROW(fc.forward(zeros({7, 399})), Error);
}

TEST(Linear, GradcheckFunctional) {
  auto x = keel::testing::rand_input({3, 4}, -1, 1, 1), w = keel::testing::rand_input({5, 4}, -1, 1, 2),
       b = keel::testing::rand_input({5}, -1, 1, 3);
  EXPECT_GRADCHECK([](const std::vector<Tensor>& v) { return nn::functional::linear(v[0], v[1], v[2]); },
                   {x, w, b});
  auto x3 = keel::testing::rand_input({2, 3, 4}, -1, 1, 4);
  EXPECT_GRADCHECK([](const std::vector<Tensor>& v) { return nn::functional::linear(v[0], v[1], v[2]); },
                   {x3, w, b});
}

TEST(Dropout, TrainScalesEvalIsIdentity) {
  manual_seed(0);
  nn::Dropout drop(0.25);
  Tensor x = ones({100000});
  Tensor y = drop.forward(x);
  double kept = y.ne(0.0).to(kFloat64).mean().item();
  EXPECT_NEAR(kept, 0.75, 0.01);
  EXPECT_NEAR(y.max().item(), 1.0 / 0.75, 1e-6);
  drop.eval();
  EXPECT_TRUE(drop.forward(x).is_same(x));
  nn::Dropout all(1.0);
  EXPECT_EQ(all.forward(x).abs().sum().item(), 0.0);
}

TEST(Dropout2d, ZeroesWholeChannelsInTrainingOnly) {
  manual_seed(1);
  nn::Dropout2d drop(0.5);
  Tensor x = ones({8, 16, 4, 4});
  Tensor y = drop.forward(x);
  // Every (sample, channel) plane is all zero or all 2 (= 1 / (1 - p)).
  Tensor plane_max = y.amax({2, 3}), plane_min = y.amin({2, 3});
  EXPECT_EQ(keel::testing::max_abs_diff(plane_max, plane_min), 0.0);
  double zeroed = plane_max.eq(0.0).to(kFloat64).mean().item();
  EXPECT_GT(zeroed, 0.3);
  EXPECT_LT(zeroed, 0.7);
  EXPECT_NEAR(y.max().item(), 2.0, 1e-6);
  drop.eval();
  EXPECT_TRUE(drop.forward(x).is_same(x));
  EXPECT_THROW(drop.train().forward(ones({4, 4})), Error);
}

TEST(ActivationModules, MatchTheirFunctionsAndPrintLikePyTorch) {
  Tensor x = tensor({{-2.0, -0.5, 0.0, 0.5, 2.0}});
  std::vector<std::pair<std::shared_ptr<nn::Module>, Tensor>> cases = {
      {std::make_shared<nn::ReLU>(), relu(x)},
      {std::make_shared<nn::LeakyReLU>(0.2), leaky_relu(x, 0.2)},
      {std::make_shared<nn::Sigmoid>(), sigmoid(x)},
      {std::make_shared<nn::Tanh>(), keel::tanh(x)},
      {std::make_shared<nn::GELU>("tanh"), gelu(x, "tanh")},
      {std::make_shared<nn::ELU>(0.5), elu(x, 0.5)},
      {std::make_shared<nn::Softmax>(1), softmax(x, 1)},
      {std::make_shared<nn::LogSoftmax>(1), log_softmax(x, 1)},
      {std::make_shared<nn::Identity>(), x},
  };
  for (auto& [m, want] : cases) {
    EXPECT_EQ(keel::testing::max_abs_diff(m->forward(x), want), 0.0) << m->type_name();
    m->eval();
    EXPECT_EQ(keel::testing::max_abs_diff(m->forward(x), want), 0.0) << m->type_name() << " (eval)";
  }
  std::ostringstream os;
  os << nn::LeakyReLU(0.2) << " " << nn::GELU("tanh") << " " << nn::Softmax(1) << " " << nn::Flatten();
  EXPECT_EQ(os.str(),
            "LeakyReLU(negative_slope=0.2) GELU(approximate='tanh') Softmax(dim=1) Flatten(start_dim=1, "
            "end_dim=-1)");
  EXPECT_EQ(nn::Flatten().forward(zeros({2, 3, 4})).sizes(), Dims({2, 12}));
  EXPECT_THROW(nn::GELU("fast"), Error);
}
