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

// The layout a golden case feeds its op: plain, transposed, or broadcast along a dim.
Tensor laid_out(const Tensor& x, const json& a) {
  std::string lay = a.value("layout", "plain");
  if (lay == "t") return x.t();
  if (lay == "expand") return x.expand(Dims(a["shape"].get<std::vector<std::int64_t>>()));
  return x;
}

template <class F>
GoldenOp unary_op(F f) {
  return [f](const std::vector<Tensor>& x, const json& a) { return f(laid_out(x[0], a), a); };
}

template <class F>
GoldenOp binary_op(F f) {
  return [f](const std::vector<Tensor>& x, const json&) { return f(x[0], x[1]); };
}

template <class F>
GoldenOp scalar_cmp(F f) {
  return [f](const std::vector<Tensor>& x, const json& a) { return f(x[0], a["s"].get<double>()); };
}

template <class Fn>
void expect_error(Fn fn, std::initializer_list<const char*> parts) {
  try {
    fn();
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    std::string m = e.what();
    for (const char* p : parts) EXPECT_NE(m.find(p), std::string::npos) << m;
  }
}

}  // namespace

static std::map<std::string, GoldenOp> golden_ops() {
  std::map<std::string, GoldenOp> ops = {
      {"pow_scalar", unary_op([](const Tensor& x, const json& a) { return x.pow(a["p"].get<double>()); })},
      {"abs", unary_op([](const Tensor& x, const json&) { return x.abs(); })},
      {"sign", unary_op([](const Tensor& x, const json&) { return x.sign(); })},
      {"clamp", unary_op([](const Tensor& x, const json& a) { return x.clamp(a["min"], a["max"]); })},
      {"clamp_", unary_op([](const Tensor& x, const json& a) {
         Tensor y = x.clone();  // in place on a non-leaf, as PyTorch's case does
         y.clamp_(a["min"], a["max"]);
         return y;
       })},
      {"clamp_min", unary_op([](const Tensor& x, const json& a) { return x.clamp_min(a["min"]); })},
      {"clamp_max", unary_op([](const Tensor& x, const json& a) { return x.clamp_max(a["max"]); })},
      {"pow_tensor", binary_op([](const Tensor& a, const Tensor& b) { return a.pow(b); })},
      {"maximum", binary_op([](const Tensor& a, const Tensor& b) { return maximum(a, b); })},
      {"minimum", binary_op([](const Tensor& a, const Tensor& b) { return minimum(a, b); })},
      {"cmp_eq", binary_op([](const Tensor& a, const Tensor& b) { return a.eq(b); })},
      {"cmp_ne", binary_op([](const Tensor& a, const Tensor& b) { return a.ne(b); })},
      {"cmp_lt", binary_op([](const Tensor& a, const Tensor& b) { return a < b; })},
      {"cmp_le", binary_op([](const Tensor& a, const Tensor& b) { return a <= b; })},
      {"cmp_gt", binary_op([](const Tensor& a, const Tensor& b) { return a > b; })},
      {"cmp_ge", binary_op([](const Tensor& a, const Tensor& b) { return a >= b; })},
      {"cmp_eq_scalar", scalar_cmp([](const Tensor& x, double s) { return x.eq(s); })},
      {"cmp_ne_scalar", scalar_cmp([](const Tensor& x, double s) { return x.ne(s); })},
      {"cmp_lt_scalar", scalar_cmp([](const Tensor& x, double s) { return x < s; })},
      {"cmp_le_scalar", scalar_cmp([](const Tensor& x, double s) { return x <= s; })},
      {"cmp_gt_scalar", scalar_cmp([](const Tensor& x, double s) { return x > s; })},
      {"cmp_ge_scalar", scalar_cmp([](const Tensor& x, double s) { return x >= s; })},
  };
  // The op table's simple unary ops (exp, log, ...): whichever have cases in this family.
#define KEEL_GOLDEN_OP(Kernel, fn, ...) \
  ops[#fn] = unary_op([](const Tensor& x, const json&) { return keel::fn(x); });
  KEEL_SIMPLE_UNARY_OPS(KEEL_GOLDEN_OP)
#undef KEEL_GOLDEN_OP
  return ops;
}

TEST(Unary, MatchesPyTorch) { EXPECT_GT(keel::testing::check_golden("unary", golden_ops()), 150); }

// The kernels are compiled for AVX-512, AVX2 and the baseline (no FMA: different rounding,
// emulated ops); every target this CPU runs must match PyTorch.
TEST(Unary, MatchesPyTorchOnEverySimdTarget) {
  keel::testing::on_every_simd_target(
      [] { EXPECT_GT(keel::testing::check_golden("unary", golden_ops()), 150); });
}

TEST(Unary, Gradcheck) {
  auto any = rand_input({3, 5}, -2, 2, 1), pos = rand_input({3, 5}, 0.2, 2, 2);
  auto away = rand_input({3, 5}, 0.1, 2, 3) * rand_input({3, 5}, -1, 1, 4).sign();
  away = away.detach().requires_grad_();
  using V = std::vector<Tensor>;
  for (double p : {2.0, 3.0, 0.5, -0.5, -1.0, -2.0, 2.5, 1.0, 0.0, -1.3}) {
    SCOPED_TRACE(p);
    EXPECT_GRADCHECK([p](const V& x) { return x[0].pow(p); }, {pos});
  }
  EXPECT_GRADCHECK([](const V& x) { return x[0].pow(3.0); }, {any});
  EXPECT_GRADCHECK([](const V& x) { return x[0].exp(); }, {any});
  EXPECT_GRADCHECK([](const V& x) { return x[0].log(); }, {pos});
  EXPECT_GRADCHECK([](const V& x) { return x[0].sqrt(); }, {pos});
  EXPECT_GRADCHECK([](const V& x) { return x[0].rsqrt(); }, {pos});
  EXPECT_GRADCHECK([](const V& x) { return x[0].abs(); }, {away});
  EXPECT_GRADCHECK([](const V& x) { return x[0].sign() + x[0]; }, {away});
  // Clamp bounds sit between the inputs' values, away from every element.
  EXPECT_GRADCHECK([](const V& x) { return x[0].clamp(-0.55, 0.65); }, {away});
  EXPECT_GRADCHECK([](const V& x) { return x[0].clamp_min(0.35); }, {away});
  EXPECT_GRADCHECK([](const V& x) { return x[0].clamp_max(-0.45); }, {away});
  EXPECT_GRADCHECK([](const V& x) { return x[0].t().exp(); }, {any});
}

TEST(Unary, GradcheckBinary) {
  using V = std::vector<Tensor>;
  auto base = rand_input({3, 4}, 0.3, 2, 5), e = rand_input({3, 4}, -2, 2, 6),
       row = rand_input({4}, -2, 2, 7);
  auto col = rand_input({3, 1}, 0.3, 2, 8);
  EXPECT_GRADCHECK([](const V& x) { return x[0].pow(x[1]); }, {base, e});
  EXPECT_GRADCHECK([](const V& x) { return x[0].pow(x[1]); }, {base, row});
  EXPECT_GRADCHECK([](const V& x) { return x[0].pow(x[1]); }, {col, row});
  auto a = rand_input({3, 4}, -1, 1, 9), b = rand_input({3, 4}, -1, 1, 10);
  EXPECT_GRADCHECK([](const V& x) { return maximum(x[0], x[1]); }, {a, b});
  EXPECT_GRADCHECK([](const V& x) { return minimum(x[0], x[1]); }, {a, b});
  EXPECT_GRADCHECK([](const V& x) { return maximum(x[0], x[1]); }, {a, rand_input({4}, -1, 1, 13)});
  EXPECT_GRADCHECK([](const V& x) { return minimum(x[0].t(), x[1]); }, {a, rand_input({4, 3}, -1, 1, 11)});
}

TEST(Unary, NodeNames) {
  Tensor x = tensor({0.5, 1.5}).requires_grad_();
  EXPECT_STREQ(x.pow(2.0).grad_fn()->name(), "PowBackward0");
  EXPECT_STREQ(x.pow(x).grad_fn()->name(), "PowBackward1");
  EXPECT_STREQ(x.exp().grad_fn()->name(), "ExpBackward0");
  EXPECT_STREQ(x.clamp(0, 1).grad_fn()->name(), "ClampBackward1");
  EXPECT_STREQ(x.clamp_min(0).grad_fn()->name(), "ClampMinBackward0");
  EXPECT_STREQ(maximum(x, x).grad_fn()->name(), "MaximumBackward0");
  EXPECT_FALSE((x < 1.0).requires_grad());
  EXPECT_EQ((x < 1.0).dtype(), kBool);
}

TEST(Unary, ClampInPlace) {
  Tensor base = tensor({-2.0, -0.5, 0.0, 0.5, 2.0}, kFloat64).requires_grad_();
  Tensor y = base * 1.0;
  y.clamp_(-0.5, 0.5);
  EXPECT_EQ(max_abs_diff(y, base.detach().clamp(-0.5, 0.5)), 0.0);
  EXPECT_STREQ(y.grad_fn()->name(), "ClampBackward1");
  (y * tensor({1, 2, 3, 4, 5}, kFloat64)).sum().backward();
  // Boundaries included, as in PyTorch.
  EXPECT_EQ(max_abs_diff(base.grad(), tensor({0, 2, 3, 4, 0}, kFloat64)), 0.0);

  Tensor i = tensor({-5, 0, 5}, kInt64);
  i.clamp_(-1, 2);
  EXPECT_EQ(max_abs_diff(i, tensor({-1, 0, 2})), 0.0);
  EXPECT_EQ(i.dtype(), kInt64);
  expect_error([&] { i.clamp_(-1.5, 2); }, {"clamp_", "int64"});
  Tensor leaf = tensor({1.0}).requires_grad_();
  EXPECT_THROW(leaf.clamp_(0, 1), Error);
}

TEST(Unary, IntegerAndBoolDtypes) {
  Tensor i = tensor({-3, 0, 4}, kInt64);
  EXPECT_EQ(i.abs().dtype(), kInt64);
  EXPECT_EQ(i.sign().dtype(), kInt64);
  EXPECT_EQ(i.pow(2.0).dtype(), kInt64);
  EXPECT_EQ(i.pow(0.5).dtype(), kFloat32);
  EXPECT_EQ(i.exp().dtype(), kFloat32);
  EXPECT_EQ(i.clamp(-1, 1).dtype(), kInt64);
  EXPECT_EQ(i.clamp(-1.5, 1).dtype(), kFloat32);
  EXPECT_EQ(max_abs_diff(i.pow(3.0), tensor({-27, 0, 64})), 0.0);
  Tensor b = i > 0.0;
  EXPECT_EQ(b.dtype(), kBool);
  EXPECT_EQ(max_abs_diff(b, tensor({0, 0, 1})), 0.0);
  EXPECT_EQ(maximum(b, i.eq(0.0)).dtype(), kBool);
  EXPECT_EQ(b.sign().dtype(), kBool);
}

TEST(Unary, LargeTensorsMatchSmallOnes) {
  // Big enough to split across threads and to run whole SIMD vectors; checked against a
  // strided (gather/scatter) evaluation of the same values.
  Tensor x = rand_input({513, 257}, -3, 3, 12).detach().to(kFloat32);
  Tensor xt = x.t().contiguous().t();  // same values, column-major
  for (auto f :
       {+[](const Tensor& t) { return t.exp(); }, +[](const Tensor& t) { return t.pow(2.5); },
        +[](const Tensor& t) { return t.clamp(-1, 1); }, +[](const Tensor& t) { return t.abs().log(); }}) {
    EXPECT_EQ(max_abs_diff(f(x), f(xt)), 0.0);
  }
}

TEST(Unary, ErrorsNameTheOp) {
  expect_error([] { (void)tensor({1, 2}, kInt64).pow(-1.0); }, {"pow", "negative"});
  expect_error([] { (void)tensor({1, 2}, kInt64).pow(tensor({1, -2}, kInt64)); }, {"pow", "negative", "-2"});
  expect_error([] { (void)pow(ones({2, 3}), ones({4})); }, {"pow", "[2, 3]", "[4]"});
  expect_error([] { (void)maximum(ones({2, 3}), ones({4})); }, {"maximum", "[2, 3]", "[4]"});
  expect_error([] { (void)(ones({2, 3}) < ones({4})); }, {"lt", "[2, 3]", "[4]"});
  expect_error([] { (void)tensor({1}).gt(1.0).abs(); }, {"abs", "bool"});
}
