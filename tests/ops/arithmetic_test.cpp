#include <gtest/gtest.h>
#include <keel/keel.h>

#include "support/golden.h"
#include "support/gradcheck.h"

using namespace keel;
using keel::testing::GoldenOp;
using nlohmann::json;

TEST(Arithmetic, MatchesPyTorch) {
  std::map<std::string, GoldenOp> ops = {
      {"add", [](const std::vector<Tensor>& x, const json&) { return x[0] + x[1]; }},
      {"add_alpha", [](const std::vector<Tensor>& x, const json& a) { return add(x[0], x[1], a["alpha"]); }},
      {"sub", [](const std::vector<Tensor>& x, const json&) { return x[0] - x[1]; }},
      {"mul", [](const std::vector<Tensor>& x, const json&) { return x[0] * x[1]; }},
      {"div", [](const std::vector<Tensor>& x, const json&) { return x[0] / x[1]; }},
      {"add_scalar", [](const std::vector<Tensor>& x, const json& a) { return x[0] + a["s"].get<double>(); }},
      {"rsub_scalar",
       [](const std::vector<Tensor>& x, const json& a) { return a["s"].get<double>() - x[0]; }},
      {"rdiv_scalar",
       [](const std::vector<Tensor>& x, const json& a) { return a["s"].get<double>() / x[0]; }},
      {"neg", [](const std::vector<Tensor>& x, const json&) { return -x[0]; }},
      // In-place methods run on a clone (a non-leaf), as PyTorch's cases do.
      {"add_",
       [](const std::vector<Tensor>& x, const json& a) {
         Tensor y = x[0].clone();
         y.add_(x[1], a["alpha"]);
         return y;
       }},
      {"sub_",
       [](const std::vector<Tensor>& x, const json&) {
         Tensor y = x[0].clone();
         y.sub_(x[1]);
         return y;
       }},
      {"mul_",
       [](const std::vector<Tensor>& x, const json&) {
         Tensor y = x[0].clone();
         y.mul_(x[1]);
         return y;
       }},
      {"div_",
       [](const std::vector<Tensor>& x, const json&) {
         Tensor y = x[0].clone();
         y.div_(x[1]);
         return y;
       }},
  };
  EXPECT_GT(keel::testing::check_golden("arithmetic", ops), 20);
}

TEST(Arithmetic, GradcheckBroadcasting) {
  using keel::testing::rand_input;
  auto a = rand_input({3, 4}, -1, 1, 1), row = rand_input({4}, 0.5, 1.5, 2),
       col = rand_input({3, 1}, 0.5, 1.5, 3);
  EXPECT_GRADCHECK([](const std::vector<Tensor>& x) { return x[0] + x[1]; }, {a, row});
  EXPECT_GRADCHECK([](const std::vector<Tensor>& x) { return x[0] - x[1] * 2.0; }, {a, col});
  EXPECT_GRADCHECK([](const std::vector<Tensor>& x) { return x[0] * x[1]; }, {a, col});
  EXPECT_GRADCHECK([](const std::vector<Tensor>& x) { return x[0] / x[1]; }, {a, row});
  EXPECT_GRADCHECK([](const std::vector<Tensor>& x) { return 1.0 / x[0]; }, {row});
}

TEST(Arithmetic, InplaceFormsMatchOutOfPlace) {
  Tensor a = tensor({{1, 2}, {3, 4}});
  Tensor b = tensor({10, 20});
  Tensor c = a.clone();
  c += b;
  EXPECT_EQ(keel::testing::max_abs_diff(c, a + b), 0.0);
  c -= b;
  c *= b;
  EXPECT_EQ(keel::testing::max_abs_diff(c, a * b), 0.0);
  c /= b;
  EXPECT_EQ(keel::testing::max_abs_diff(c, a), 0.0);
}

TEST(Arithmetic, InplaceGradientThroughNonLeaf) {
  Tensor x = tensor({1.0, 2.0}).requires_grad_();
  Tensor y = x * 3.0;
  y.mul_(tensor({2.0, 5.0}));
  y.add_(1.0);
  y.sum().backward();
  EXPECT_DOUBLE_EQ(x.grad()[0].item(), 6.0);
  EXPECT_DOUBLE_EQ(x.grad()[1].item(), 15.0);
}

TEST(Arithmetic, ShapeErrorsNameOpAndShapes) {
  try {
    (void)(ones({2, 3}) + ones({4}));
    FAIL();
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("add"), std::string::npos) << m;
    EXPECT_NE(m.find("[2, 3]"), std::string::npos) << m;
    EXPECT_NE(m.find("[4]"), std::string::npos) << m;
  }
  Tensor a = ones({3});
  EXPECT_THROW(a += ones({2, 3}), Error);  // cannot broadcast into a smaller output
}
