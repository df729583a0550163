#include <gtest/gtest.h>
#include <keel/keel.h>
#include <keel/nn/functional_conv.h>
#include <keel/nn/pooling.h>

#include <limits>
#include <sstream>

#include "support/errors.h"
#include "support/golden.h"
#include "support/gradcheck.h"
#include "support/simd_targets.h"

using keel::testing::error_of;

using namespace keel;
using keel::nn::Pair;
using keel::testing::GoldenOp;
using keel::testing::rand_input;
using nlohmann::json;
namespace F = keel::nn::functional;

namespace {
Tensor rnd(const Dims& s, std::uint64_t seed = 7) { return rand_input(s, -1, 1, seed).detach().to_float(); }
[[maybe_unused]] std::vector<double> vals(const Tensor& t) {
  Tensor c = t.contiguous().to_double();
  const double* p = c.data_ptr<double>();
  return {p, p + c.numel()};
}
Pair pair(const json& j) { return Pair(j[0].get<std::int64_t>(), j[1].get<std::int64_t>()); }
Pair opt_stride(const json& a) { return a.contains("stride") ? pair(a["stride"]) : Pair(); }
}  // namespace

TEST(Pooling, MatchesPyTorch) {
  std::map<std::string, GoldenOp> ops = {
      {"max_pool2d",
       [](const std::vector<Tensor>& x, const json& a) {
         return F::max_pool2d(x[0], pair(a["kernel"]), opt_stride(a), pair(a["padding"]), pair(a["dilation"]),
                              a["ceil_mode"].get<bool>());
       }},
      {"avg_pool2d",
       [](const std::vector<Tensor>& x, const json& a) {
         return F::avg_pool2d(x[0], pair(a["kernel"]), opt_stride(a), pair(a["padding"]),
                              a["ceil_mode"].get<bool>(), a["count_include_pad"].get<bool>());
       }},
      {"adaptive_avg_pool2d",
       [](const std::vector<Tensor>& x, const json& a) {
         return F::adaptive_avg_pool2d(x[0], pair(a["output_size"]));
       }},
  };
  keel::testing::on_every_simd_target([&] { EXPECT_EQ(keel::testing::check_golden("pooling", ops), 44); });
}

TEST(Pooling, Gradcheck) {
  auto x = rand_input({2, 2, 7, 8}, -1, 1, 1);
  EXPECT_GRADCHECK([](const std::vector<Tensor>& t) { return F::max_pool2d(t[0], 3, 2, 1, 1, true); }, {x});
  EXPECT_GRADCHECK(
      [](const std::vector<Tensor>& t) {
        return F::max_pool2d(t[0], {2, 3}, {1, 2}, 1, 2);
      },
      {x});
  EXPECT_GRADCHECK([](const std::vector<Tensor>& t) { return F::avg_pool2d(t[0], 3, 2, 1, true, true); },
                   {x});
  EXPECT_GRADCHECK([](const std::vector<Tensor>& t) { return F::avg_pool2d(t[0], 3, 2, 1, true, false); },
                   {x});
  EXPECT_GRADCHECK([](const std::vector<Tensor>& t) { return F::avg_pool2d(t[0], {2, 3}); }, {x});
  EXPECT_GRADCHECK([](const std::vector<Tensor>& t) { return F::adaptive_avg_pool2d(t[0], {3, 5}); }, {x});
  EXPECT_GRADCHECK([](const std::vector<Tensor>& t) { return F::adaptive_avg_pool2d(t[0], {9, 10}); }, {x});
}

TEST(Pooling, MaxPoolIndicesAndNaN) {
  Tensor x = tensor({{1, 5, 2, 0}, {3, 4, 9, 9}}).view({1, 1, 2, 4});
  auto [y, idx] = F::max_pool2d_with_indices(x, 2);
  EXPECT_EQ(y.sizes(), Dims({1, 1, 1, 2}));
  EXPECT_EQ(y.view({2})[0].item(), 5.0);
  EXPECT_EQ(idx.view({2})[0].item<std::int64_t>(), 1);
  EXPECT_EQ(idx.view({2})[1].item<std::int64_t>(), 6);  // the first of the tied 9s
  Tensor n = tensor({1, std::numeric_limits<double>::quiet_NaN(), 3, 4}).view({1, 1, 2, 2});
  EXPECT_TRUE(std::isnan(F::max_pool2d(n, 2).item()));
}

TEST(Pooling, ModulesAndExtraRepr) {
  nn::MaxPool2d mp(2);
  EXPECT_EQ(mp.extra_repr(), "kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False");
  EXPECT_EQ(mp(rnd({2, 3, 8, 8})).sizes(), Dims({2, 3, 4, 4}));
  EXPECT_EQ(nn::MaxPool2d({3, 2}, 1, 1, 1, true).extra_repr(),
            "kernel_size=(3, 2), stride=1, padding=1, dilation=1, ceil_mode=True");
  nn::AvgPool2d ap(3, 2, 1);
  EXPECT_EQ(ap.extra_repr(), "kernel_size=3, stride=2, padding=1");
  EXPECT_EQ(ap(rnd({3, 7, 7})).sizes(), Dims({3, 4, 4}));
  nn::AdaptiveAvgPool2d aap({1, 1});
  EXPECT_EQ(aap.extra_repr(), "output_size=(1, 1)");
  EXPECT_EQ(aap(rnd({2, 5, 7, 3})).sizes(), Dims({2, 5, 1, 1}));
  std::ostringstream os;
  os << nn::AdaptiveAvgPool2d(7);
  EXPECT_EQ(os.str(), "AdaptiveAvgPool2d(output_size=7)");
}

TEST(Pooling, Errors) {
  std::string m = error_of([] { F::max_pool2d(rnd({1, 1, 4, 4}), 2, 2, 2); });
  EXPECT_NE(m.find("pad should be smaller than or equal to half of kernel size"), std::string::npos) << m;
  m = error_of([] { F::max_pool2d(rnd({1, 2, 2, 2}), 3); });
  EXPECT_NE(m.find("Given input size: (2x2x2). Calculated output size: (2x0x0). Output size is too small"),
            std::string::npos)
      << m;
  m = error_of([] { F::avg_pool2d(rnd({4, 4}), 2); });
  EXPECT_NE(m.find("[4, 4]"), std::string::npos) << m;
  m = error_of([] { F::max_pool2d(rnd({1, 1, 4, 4}), 2, 0); });
  EXPECT_NE(m.find("stride should be greater than zero"), std::string::npos) << m;
  m = error_of([] { F::adaptive_avg_pool2d(rnd({1, 1, 4, 4}), -1); });
  EXPECT_NE(m.find("output_size"), std::string::npos) << m;
}

TEST(Pooling, LargeInputParallelPathMatchesPerPlane) {
  // Enough planes to cross the parallel grain; each plane must match pooling it alone.
  Tensor x = rnd({4, 32, 17, 17}).to_double();
  Tensor y = F::avg_pool2d(x, 3, 2, 1, true, false);
  Tensor m = F::max_pool2d(x, 3, 2, 1);
  for (std::int64_t c : {0, 31}) {
    EXPECT_LT(
        keel::testing::max_abs_diff(y[3][c], F::avg_pool2d(x[3].narrow(0, c, 1), 3, 2, 1, true, false)[0]),
        1e-15);
    EXPECT_LT(keel::testing::max_abs_diff(m[3][c], F::max_pool2d(x[3].narrow(0, c, 1), 3, 2, 1)[0]), 1e-15);
  }
}
