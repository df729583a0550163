// operator<< against PyTorch's str(tensor), recorded by tests/golden/gen_print.py.
#include <gtest/gtest.h>
#include <keel/keel.h>

#include <fstream>
#include <sstream>

#include "support/golden.h"

using namespace keel;

namespace {

std::string printed(const Tensor& t) {
  std::ostringstream os;
  os << t;
  return os.str();
}

}  // namespace

TEST(TensorPrint, MatchesPyTorch) {
  std::ifstream in(std::string(KEEL_GOLDEN_DIR) + "/print.json");
  ASSERT_TRUE(in) << "cannot open print.json";
  nlohmann::json doc = nlohmann::json::parse(in);
  int checked = 0;
  for (const auto& c : doc.at("cases")) {
    const std::string name = c.at("name"), make = c.at("make");
    Tensor t = keel::testing::tensor_from_json(c.at("input")).clone();
    if (make == "requires_grad") {
      t.requires_grad_();
    } else if (make == "mul2") {
      t = t.requires_grad_() * 2.0;
    } else if (make == "transpose") {
      t = t.requires_grad_().transpose(0, 1);
    } else {
      ASSERT_EQ(make, "plain");
    }
    EXPECT_EQ(printed(t), c.at("expected").get<std::string>()) << "case " << name;
    ++checked;
  }
  EXPECT_GE(checked, 20);
}

TEST(TensorPrint, BatchNormOutputLikePyTorch) {
  Tensor t = tensor({{-1.3246, -1.3492, -0.3756}, {1.0912, 0.3077, 1.3685}, {0.2334, 1.0415, -0.9930}});
  EXPECT_EQ(printed(t),
            "tensor([[-1.3246, -1.3492, -0.3756],\n"
            "        [ 1.0912,  0.3077,  1.3685],\n"
            "        [ 0.2334,  1.0415, -0.9930]])");
}

TEST(TensorPrint, NonContiguousPrintsLogicalOrder) {
  Tensor t = from_vector(std::vector<std::int64_t>{1, 2, 3, 4, 5, 6}, {2, 3}).t();
  EXPECT_EQ(printed(t), "tensor([[1, 4],\n        [2, 5],\n        [3, 6]])");
  EXPECT_EQ(printed(Tensor()), "tensor(undefined)");
}
