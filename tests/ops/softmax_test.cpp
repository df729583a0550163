#include <gtest/gtest.h>
#include <keel/keel.h>

#include <cmath>

#include "support/golden.h"
#include "support/gradcheck.h"
#include "support/simd_targets.h"

using namespace keel;
using keel::testing::GoldenOp;
using keel::testing::max_abs_diff;
using keel::testing::rand_input;
using nlohmann::json;

TEST(Softmax, MatchesPyTorch) {
  std::map<std::string, GoldenOp> ops = {
      {"softmax", [](const std::vector<Tensor>& x, const json& a) { return softmax(x[0], a["dim"]); }},
      {"log_softmax",
       [](const std::vector<Tensor>& x, const json& a) { return log_softmax(x[0], a["dim"]); }},
  };
  keel::testing::on_every_simd_target([&] { EXPECT_GT(keel::testing::check_golden("softmax", ops), 30); });
}

TEST(Softmax, Gradcheck) {
  auto a = rand_input({3, 5}, -2, 2, 1), b = rand_input({2, 3, 4}, -2, 2, 2);
  for (int d : {0, 1, -1}) {
    EXPECT_GRADCHECK([d](const std::vector<Tensor>& x) { return x[0].softmax(d); }, {a});
    EXPECT_GRADCHECK([d](const std::vector<Tensor>& x) { return x[0].log_softmax(d); }, {b});
  }
  EXPECT_GRADCHECK([](const std::vector<Tensor>& x) { return x[0].softmax(1); }, {b});
}

TEST(Softmax, LargeRowsMatchDefinition) {
  // Many rows (parallel) with widths that are not multiples of the vector width.
  Tensor x = rand_input({2048, 77}, -30, 30, 3).detach();
  Tensor xf = x.to(kFloat32);
  Tensor y = xf.softmax(1).to(kFloat64);
  EXPECT_LT(max_abs_diff(y.sum({1}), ones({2048}, kFloat64)), 1e-5);
  EXPECT_LT(max_abs_diff(xf.log_softmax(1).to(kFloat64), x.log_softmax(1)), 1e-4);
  EXPECT_LT(max_abs_diff(x.softmax(1).sum({1}), ones({2048}, kFloat64)), 1e-12);
}

TEST(Softmax, ScalarAndEmpty) {
  EXPECT_EQ(scalar_tensor(3.0).softmax(0).item(), 1.0);
  EXPECT_EQ(scalar_tensor(3.0).log_softmax(-1).item(), 0.0);
  EXPECT_EQ(ones({0, 4}).softmax(1).sizes(), Dims({0, 4}));
  EXPECT_EQ(ones({4, 0}).log_softmax(1).sizes(), Dims({4, 0}));
}

TEST(Softmax, Errors) {
  EXPECT_THROW((void)ones({2, 3}).softmax(2), Error);
  EXPECT_THROW((void)ones({2, 3}, kInt64).log_softmax(1), Error);
  try {
    (void)ones({2, 3}).softmax(-3);
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("softmax"), std::string::npos);
  }
}
