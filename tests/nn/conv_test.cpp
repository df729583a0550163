#include <gtest/gtest.h>
#include <keel/keel.h>
#include <keel/nn/conv.h>
#include <keel/nn/functional_conv.h>

#include <cmath>
#include <sstream>

#include "support/errors.h"
#include "support/golden.h"
#include "support/gradcheck.h"

using keel::testing::error_of;

using namespace keel;
using keel::nn::Pair;
using keel::testing::GoldenOp;
using keel::testing::rand_input;
using nlohmann::json;
namespace F = keel::nn::functional;

namespace {
Tensor rnd(const Dims& s, std::uint64_t seed = 7) { return rand_input(s, -1, 1, seed).detach().to_float(); }
std::vector<double> vals(const Tensor& t) {
  Tensor c = t.contiguous().to_double();
  const double* p = c.data_ptr<double>();
  return {p, p + c.numel()};
}
Pair pair(const json& j) { return Pair(j[0].get<std::int64_t>(), j[1].get<std::int64_t>()); }

}  // namespace

TEST(Conv2d, MatchesPyTorch) {
  std::map<std::string, GoldenOp> ops = {
      {"conv2d", [](const std::vector<Tensor>& x, const json& a) {
         return F::conv2d(x[0], x[1], x.size() > 2 ? x[2] : Tensor(), pair(a["stride"]), pair(a["padding"]),
                          pair(a["dilation"]), a["groups"].get<std::int64_t>());
       }}};
  EXPECT_EQ(keel::testing::check_golden("conv", ops), 22);
}

TEST(Conv2d, GradcheckVariants) {
  auto x = rand_input({2, 4, 6, 5}, -1, 1, 1);
  auto w = rand_input({4, 2, 3, 3}, -1, 1, 2);
  auto b = rand_input({4}, -1, 1, 3);
  EXPECT_GRADCHECK([](const std::vector<Tensor>& t) { return F::conv2d(t[0], t[1], t[2], 1, 1); },
                   {x, rand_input({3, 4, 3, 3}, -1, 1, 4), rand_input({3}, -1, 1, 5)});
  EXPECT_GRADCHECK(
      [](const std::vector<Tensor>& t) {
        return F::conv2d(t[0], t[1], t[2], {2, 1}, {1, 2}, 1, 2);
      },
      {x, w, b});
  EXPECT_GRADCHECK([](const std::vector<Tensor>& t) { return F::conv2d(t[0], t[1], Tensor(), 1, 2, 2, 2); },
                   {x, w});
  EXPECT_GRADCHECK([](const std::vector<Tensor>& t) { return F::conv2d(t[0], t[1], t[2]); },
                   {x, rand_input({3, 4, 1, 1}, -1, 1, 6), rand_input({3}, -1, 1, 7)});
}

TEST(Conv2d, ModuleShapesAndUnbatchedInput) {
  nn::Conv2d conv(3, 8, 3, 2, 1);
  Tensor y = conv(rnd({4, 3, 9, 9}));
  EXPECT_EQ(y.sizes(), Dims({4, 8, 5, 5}));
  Tensor u = rnd({3, 9, 9});
  Tensor yu = conv(u);
  EXPECT_EQ(yu.sizes(), Dims({8, 5, 5}));
  EXPECT_LT(keel::testing::max_abs_diff(yu, conv(u.unsqueeze(0)).squeeze(0)), 1e-6);
  EXPECT_EQ(conv.weight.sizes(), Dims({8, 3, 3, 3}));
  EXPECT_EQ(conv.parameters().size(), 2u);
  nn::Conv2d grouped(4, 6, {3, 2}, 1, 0, 1, 2, false);
  EXPECT_EQ(grouped.weight.sizes(), Dims({6, 2, 3, 2}));
  EXPECT_EQ(grouped.parameters().size(), 1u);
}

TEST(Conv2d, BackwardThroughModuleMatchesFunctional) {
  nn::Conv2d conv(2, 3, 3, 1, 1);
  Tensor x = rnd({2, 2, 5, 5}).requires_grad_();
  conv(x).sum().backward();
  ASSERT_TRUE(conv.weight.grad().defined());
  ASSERT_TRUE(conv.bias.grad().defined());
  // d(sum y)/d(bias) = number of output positions per channel
  EXPECT_NEAR(conv.bias.grad()[0].item(), 2 * 5 * 5, 1e-4);
  EXPECT_EQ(x.grad().sizes(), x.sizes());
}

struct Stats {
  double min, max, mean, var;
};
Stats stats(const Tensor& t) {
  std::vector<double> v = vals(t.detach());
  Stats s{v[0], v[0], 0, 0};
  for (double x : v) {
    s.min = std::min(s.min, x);
    s.max = std::max(s.max, x);
    s.mean += x / v.size();
  }
  for (double x : v) s.var += (x - s.mean) * (x - s.mean) / v.size();
  return s;
}

TEST(Conv2d, DefaultInitMatchesPyTorchBounds) {
  manual_seed(0);
  nn::Conv2d conv(16, 32, 3);
  // kaiming_uniform_(a=sqrt(5)): gain = sqrt(2 / (1 + 5)), bound = gain * sqrt(3 / fan_in) = 1 / sqrt(fan_in)
  const double fan_in = 16 * 3 * 3;
  const double gain = std::sqrt(2.0 / (1.0 + 5.0));
  const double bound = gain * std::sqrt(3.0 / fan_in);
  EXPECT_NEAR(bound, 1.0 / std::sqrt(fan_in), 1e-12);
  Stats w = stats(conv.weight);
  EXPECT_LE(w.max, bound);
  EXPECT_GE(w.min, -bound);
  EXPECT_GT(w.max, 0.95 * bound);  // 4608 draws reach close to the edge
  EXPECT_LT(w.min, -0.95 * bound);
  EXPECT_NEAR(w.mean, 0.0, 0.05 * bound);
  EXPECT_NEAR(w.var, bound * bound / 3.0, 0.1 * bound * bound / 3.0);  // U(-b, b) has variance b^2/3
  Stats b = stats(conv.bias);
  EXPECT_LE(b.max, bound);
  EXPECT_GE(b.min, -bound);
  // Groups shrink fan_in: Conv2d(8, 4, 2, groups=4) has fan_in = 2 * 2 * 2.
  nn::Conv2d g(8, 4, 2, 1, 0, 1, 4);
  const double gb = 1.0 / std::sqrt(8.0);
  EXPECT_LE(std::max(stats(g.weight).max, -stats(g.weight).min), gb);
  EXPECT_LE(std::max(stats(g.bias).max, -stats(g.bias).min), gb);
}

TEST(Conv2d, ExtraReprLikePyTorch) {
  EXPECT_EQ(nn::Conv2d(1, 32, 3, 1, 1).extra_repr(),
            "1, 32, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1)");
  EXPECT_EQ(nn::Conv2d(3, 6, {3, 5}, 2).extra_repr(), "3, 6, kernel_size=(3, 5), stride=(2, 2)");
  EXPECT_EQ(nn::Conv2d(4, 8, 3, 1, 0, 2, 2, false).extra_repr(),
            "4, 8, kernel_size=(3, 3), stride=(1, 1), dilation=(2, 2), groups=2, bias=False");
  std::ostringstream os;
  os << nn::Conv2d(1, 32, 3, 1, 1);
  EXPECT_EQ(os.str(), "Conv2d(1, 32, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))");
}

TEST(Conv2d, ErrorsNameLayerAndShapes) {
  nn::Conv2d conv(3, 4, 3);
  std::string m = error_of([&] { conv(rnd({2, 5, 8, 8})); });
  EXPECT_NE(m.find("expected input[2, 5, 8, 8] to have 3 channels, but got 5 channels instead"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("Conv2d(3, 4"), std::string::npos) << m;
  m = error_of([&] { conv(rnd({1, 3, 2, 2})); });
  EXPECT_NE(m.find("Calculated padded input size per channel: (2 x 2). Kernel size: (3 x 3)"),
            std::string::npos)
      << m;
  m = error_of([&] { conv(rnd({3, 8})); });
  EXPECT_NE(m.find("Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: [3, 8]"),
            std::string::npos)
      << m;
  m = error_of([] { nn::Conv2d(3, 4, 3, 1, 0, 1, 2); });
  EXPECT_NE(m.find("in_channels must be divisible by groups"), std::string::npos) << m;
  m = error_of([] { nn::Conv2d(4, 3, 3, 1, 0, 1, 2); });
  EXPECT_NE(m.find("out_channels must be divisible by groups"), std::string::npos) << m;
  m = error_of([] { F::conv2d(rnd({1, 3, 5, 5}), rnd({4, 3, 3, 3}), rnd({5})); });
  EXPECT_NE(m.find("expected bias to be 1-dimensional with 4 elements"), std::string::npos) << m;
  m = error_of([] { F::conv2d(rnd({1, 3, 5, 5}), rnd({4, 3, 3, 3}).to_double()); });
  EXPECT_NE(m.find("same dtype"), std::string::npos) << m;
}

TEST(Conv2d, LargeBatchParallelMatchesSerialFloat64) {
  // A batch larger than the thread count takes the batch-parallel path; compare it against
  // per-sample convolutions (serial path) in float64.
  Tensor x = rnd({9, 4, 10, 10}, 1).to_double(), w = rnd({6, 4, 3, 3}, 2).to_double(),
         b = rnd({6}, 3).to_double();
  Tensor y = F::conv2d(x, w, b, 1, 1);
  for (std::int64_t i = 0; i < 9; ++i) {
    EXPECT_LT(keel::testing::max_abs_diff(y[i], F::conv2d(x[i], w, b, 1, 1)), 1e-12);
  }
}

TEST(Conv2d, WinogradFloat32MatchesFloat64) {
  // Large enough for the float32 Winograd path (3x3, stride 1); float64 runs im2col + GEMM.
  // Checks forward and all three gradients, with and without bias, padded and unpadded.
  for (std::int64_t pad : {1, 0}) {
    for (bool with_bias : {true, false}) {
      Tensor x = rnd({4, 32, 28, 28}, 11).requires_grad_(),
             w = (rnd({32, 32, 3, 3}, 12) * 0.2).requires_grad_();
      Tensor b = with_bias ? rnd({32}, 13).requires_grad_() : Tensor();
      Tensor y = F::conv2d(x, w, b, 1, pad);
      Tensor g = rnd(y.sizes(), 14);
      y.backward(g);
      Tensor xd = x.detach().to_double().requires_grad_(), wd = w.detach().to_double().requires_grad_();
      Tensor bd = with_bias ? b.detach().to_double().requires_grad_() : Tensor();
      Tensor yd = F::conv2d(xd, wd, bd, 1, pad);
      yd.backward(g.to_double());
      EXPECT_LT(keel::testing::max_abs_diff(y.to_double(), yd), 1e-4) << "pad " << pad;
      EXPECT_LT(keel::testing::max_abs_diff(x.grad().to_double(), xd.grad()), 1e-4) << "pad " << pad;
      EXPECT_LT(keel::testing::max_abs_diff(w.grad().to_double(), wd.grad()), 1e-3) << "pad " << pad;
      if (with_bias) {
        EXPECT_LT(keel::testing::max_abs_diff(b.grad().to_double(), bd.grad()), 1e-3);
      }
    }
  }
}
