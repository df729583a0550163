#include <gtest/gtest.h>
#include <keel/autograd/node.h>
#include <keel/keel.h>

#include "support/golden.h"
#include "support/gradcheck.h"
#include "support/simd_targets.h"

using namespace keel;
using keel::testing::GoldenOp;
using keel::testing::max_abs_diff;
using keel::testing::rand_input;
using nlohmann::json;

namespace {

Tensor laid_out(const Tensor& x, const json& a) {
  std::string lay = a.value("layout", "plain");
  if (lay == "t") return x.t();
  if (lay == "expand") return x.expand(Dims(a["shape"].get<std::vector<std::int64_t>>()));
  return x;
}

template <class F>
GoldenOp op(F f) {
  return [f](const std::vector<Tensor>& x, const json& a) { return f(laid_out(x[0], a), a); };
}

}  // namespace

static std::map<std::string, GoldenOp> golden_ops() {
  std::map<std::string, GoldenOp> ops = {
      {"relu", op([](const Tensor& x, const json&) { return x.relu(); })},
      {"gelu",
       op([](const Tensor& x, const json& a) { return gelu(x, a["approximate"].get<std::string>()); })},
      {"leaky_relu", op([](const Tensor& x, const json& a) { return leaky_relu(x, a["slope"]); })},
      {"elu", op([](const Tensor& x, const json& a) { return elu(x, a["alpha"]); })},
  };
  // The op table's simple unary ops (sigmoid, tanh, ...): whichever have cases in this family.
#define KEEL_GOLDEN_OP(Kernel, fn, ...) \
  ops[#fn] = op([](const Tensor& x, const json&) { return keel::fn(x); });
  KEEL_SIMPLE_UNARY_OPS(KEEL_GOLDEN_OP)
#undef KEEL_GOLDEN_OP
  return ops;
}

TEST(Activation, MatchesPyTorch) { EXPECT_GT(keel::testing::check_golden("activation", golden_ops()), 90); }

// The kernels are compiled for AVX-512, AVX2 and the baseline (no FMA: different rounding,
// emulated ops); every target this CPU runs must match PyTorch.
TEST(Activation, MatchesPyTorchOnEverySimdTarget) {
  keel::testing::on_every_simd_target(
      [] { EXPECT_GT(keel::testing::check_golden("activation", golden_ops()), 90); });
}

TEST(Activation, Gradcheck) {
  using V = std::vector<Tensor>;
  auto wide = rand_input({4, 7}, -4, 4, 1);
  // relu and leaky_relu have a kink at 0: keep every input at least 0.1 away from it.
  auto away = (rand_input({4, 7}, 0.1, 3, 2) * rand_input({4, 7}, -1, 1, 3).sign()).detach().requires_grad_();
  EXPECT_GRADCHECK([](const V& x) { return x[0].relu(); }, {away});
  EXPECT_GRADCHECK([](const V& x) { return x[0].sigmoid(); }, {wide});
  EXPECT_GRADCHECK([](const V& x) { return x[0].tanh(); }, {wide});
  EXPECT_GRADCHECK([](const V& x) { return gelu(x[0]); }, {wide});
  EXPECT_GRADCHECK([](const V& x) { return gelu(x[0], "tanh"); }, {wide});
  EXPECT_GRADCHECK([](const V& x) { return leaky_relu(x[0]); }, {away});
  EXPECT_GRADCHECK([](const V& x) { return leaky_relu(x[0], 0.3); }, {away});
  EXPECT_GRADCHECK([](const V& x) { return elu(x[0]); }, {away});
  EXPECT_GRADCHECK([](const V& x) { return elu(x[0], 0.7); }, {away});
  EXPECT_GRADCHECK([](const V& x) { return gelu(x[0].t()).sigmoid(); }, {wide});
}

TEST(Activation, KinksFollowPyTorch) {
  Tensor x = tensor({0.0, -1.0, 2.0}, kFloat64).requires_grad_();
  x.relu().sum().backward();
  EXPECT_EQ(max_abs_diff(x.grad(), tensor({0, 0, 1}, kFloat64)), 0.0);  // relu'(0) = 0
  Tensor y = tensor({0.0}, kFloat64).requires_grad_();
  elu(y, 0.5).sum().backward();
  EXPECT_DOUBLE_EQ(y.grad().item(), 0.5);  // elu takes the negative branch at 0
  Tensor z = tensor({0.0}, kFloat64).requires_grad_();
  leaky_relu(z, 0.25).sum().backward();
  EXPECT_DOUBLE_EQ(z.grad().item(), 0.25);
}

TEST(Activation, NodeNames) {
  Tensor x = tensor({0.5, -1.5}).requires_grad_();
  EXPECT_STREQ(x.relu().grad_fn()->name(), "ReluBackward0");
  EXPECT_STREQ(x.sigmoid().grad_fn()->name(), "SigmoidBackward0");
  EXPECT_STREQ(x.tanh().grad_fn()->name(), "TanhBackward0");
  EXPECT_STREQ(gelu(x).grad_fn()->name(), "GeluBackward0");
  EXPECT_STREQ(leaky_relu(x).grad_fn()->name(), "LeakyReluBackward0");
  EXPECT_STREQ(elu(x).grad_fn()->name(), "EluBackward0");
}

TEST(Activation, SavedOutputModifiedInPlaceIsAnError) {
  Tensor x = tensor({0.5, -1.5}).requires_grad_();
  Tensor y = x.sigmoid();
  y.mul_(2.0);  // sigmoid's backward needs its output
  EXPECT_THROW(y.sum().backward(), Error);
}

TEST(Activation, LargeTensorsAgreeAcrossLayouts) {
  Tensor x = rand_input({300, 301}, -6, 6, 4).detach().to(kFloat32);
  Tensor xt = x.t().contiguous().t();
  EXPECT_EQ(max_abs_diff(gelu(x), gelu(xt)), 0.0);
  EXPECT_EQ(max_abs_diff(x.sigmoid(), xt.sigmoid()), 0.0);
  EXPECT_EQ(max_abs_diff(x.tanh(), xt.tanh()), 0.0);
  // The float32 erf path agrees with the float64 (libm) one to float32 rounding.
  EXPECT_LT(max_abs_diff(gelu(x), gelu(x.to(kFloat64))), 2e-6);
}

TEST(Activation, ErrorsNameTheOpAndValue) {
  try {
    (void)gelu(ones({2}), "fast");
    FAIL();
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("gelu"), std::string::npos) << m;
    EXPECT_NE(m.find("'fast'"), std::string::npos) << m;
  }
  try {
    (void)elu(ones({2}, kInt64));
    FAIL();
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("elu"), std::string::npos) << m;
    EXPECT_NE(m.find("int64"), std::string::npos) << m;
  }
  EXPECT_THROW((void)gelu(ones({2}, kInt64)), Error);
  EXPECT_THROW((void)leaky_relu(ones({2}, kInt64)), Error);
  EXPECT_EQ(ones({2}, kInt64).relu().dtype(), kInt64);
}
