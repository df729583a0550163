#include <gtest/gtest.h>
#include <keel/keel.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/gradcheck.h"

using namespace keel;
namespace init = keel::nn::init;

namespace {
double mean_of(const Tensor& t) { return t.to(kFloat64).mean().item(); }
double std_of(const Tensor& t) { return t.to(kFloat64).std(false).item(); }
}  // namespace

TEST(Init, CalculateGainAndFansMatchPyTorch) {
  std::ifstream in(std::string(KEEL_GOLDEN_DIR) + "/init.json");
  auto doc = nlohmann::json::parse(in)["cases"][0];
  for (const auto& g : doc["gains"]) {
    std::string name = g["name"];
    double got = g["param"].is_null() ? init::calculate_gain(name)
                                      : init::calculate_gain(name, g["param"].get<double>());
    EXPECT_NEAR(got, g["gain"].get<double>(), 1e-12) << name;
  }
  for (const auto& f : doc["fans"]) {
    auto [fi, fo] =
        init::calculate_fan_in_and_fan_out(empty(Dims(f["shape"].get<std::vector<std::int64_t>>())));
    EXPECT_EQ(fi, f["fan_in"].get<std::int64_t>());
    EXPECT_EQ(fo, f["fan_out"].get<std::int64_t>());
  }
  EXPECT_THROW(init::calculate_gain("swish"), Error);
  EXPECT_THROW(init::calculate_fan_in_and_fan_out(empty({5})), Error);
}

TEST(Init, UniformFamiliesHaveTheirBounds) {
  manual_seed(1);
  Tensor w = empty({256, 512});
  init::xavier_uniform_(w);
  double a = std::sqrt(6.0 / (256 + 512));
  EXPECT_LE(w.abs().max().item(), a);
  EXPECT_NEAR(std_of(w), a / std::sqrt(3.0), 0.01 * a);
  init::kaiming_uniform_(w, 0.0, init::FanMode::FanIn, "relu");
  double bound = std::sqrt(2.0) * std::sqrt(3.0 / 512);
  EXPECT_LE(w.abs().max().item(), bound);
  EXPECT_GT(w.abs().max().item(), 0.99 * bound);
  init::kaiming_uniform_(w, 0.0, init::FanMode::FanOut, "relu");
  EXPECT_LE(w.abs().max().item(), std::sqrt(2.0) * std::sqrt(3.0 / 256));
  init::uniform_(w, -0.5, 2.0);
  EXPECT_GE(w.min().item(), -0.5);
  EXPECT_LT(w.max().item(), 2.0);
  EXPECT_NEAR(mean_of(w), 0.75, 0.01);
}

TEST(Init, NormalFamiliesHaveTheirStd) {
  manual_seed(2);
  Tensor w = empty({64, 32, 3, 3});  // fan_in 288, fan_out 576
  init::xavier_normal_(w, 2.0);
  EXPECT_NEAR(std_of(w), 2.0 * std::sqrt(2.0 / (288 + 576)), 0.003);
  EXPECT_NEAR(mean_of(w), 0.0, 0.003);
  init::kaiming_normal_(w, 0.0, init::FanMode::FanIn, "relu");
  EXPECT_NEAR(std_of(w), std::sqrt(2.0 / 288), 0.003);
  init::normal_(w, 1.0, 0.5);
  EXPECT_NEAR(mean_of(w), 1.0, 0.01);
  EXPECT_NEAR(std_of(w), 0.5, 0.01);
  init::trunc_normal_(w, 0.0, 1.0, -1.0, 0.5);
  EXPECT_GE(w.min().item(), -1.0);
  EXPECT_LE(w.max().item(), 0.5);
}

TEST(Init, ConstantZerosOnesEye) {
  Tensor w = empty({3, 4});
  init::constant_(w, 0.25);
  EXPECT_EQ(w.sum().item(), 3.0);
  init::ones_(w);
  EXPECT_EQ(w.sum().item(), 12.0);
  init::zeros_(w);
  EXPECT_EQ(w.abs().sum().item(), 0.0);
  init::eye_(w);
  EXPECT_EQ(w.sum().item(), 3.0);
  EXPECT_EQ(w[1][1].item(), 1.0);
  Tensor v = empty({2, 2, 2});
  EXPECT_THROW(init::eye_(v), Error);
}

TEST(Init, OrthogonalIsOrthonormal) {
  manual_seed(3);
  for (auto shape : {Dims{20, 20}, Dims{10, 30}, Dims{30, 10}, Dims{8, 4, 3, 3}}) {
    Tensor w = empty(shape, kFloat64);
    init::orthogonal_(w, 1.5);
    Tensor m = w.reshape({shape[0], -1});
    bool wide = m.size(0) < m.size(1);
    Tensor gram = wide ? matmul(m, m.t()) : matmul(m.t(), m);
    Tensor expected = eye(gram.size(0), -1, kFloat64) * (1.5 * 1.5);
    EXPECT_LT(keel::testing::max_abs_diff(gram, expected), 1e-10) << shape;
  }
}

TEST(Init, InitializersWorkOnParametersAndRecordNoHistory) {
  nn::Linear fc(4, 3);
  init::xavier_uniform_(fc.weight);
  init::constant_(fc.bias, 0.01);
  EXPECT_TRUE(fc.weight.is_leaf());
  EXPECT_TRUE(fc.weight.requires_grad());
  EXPECT_FLOAT_EQ(fc.bias[2].item<float>(), 0.01f);
}
