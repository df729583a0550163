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

namespace {

// p is recorded as a string ("2.0", "inf", "-inf") since JSON has no infinities.
double p_of(const json& a) { return std::stod(a["p"].get<std::string>()); }

bool all_dims(const json& a) { return a["dims"].is_null(); }
Dims dims_of(const json& a) { return Dims(a["dims"].get<std::vector<std::int64_t>>()); }

// Wraps a reduction with an all-elements overload and a dims overload.
template <class All, class WithDims>
GoldenOp reduction(All all, WithDims with_dims) {
  return [all, with_dims](const std::vector<Tensor>& x, const json& a) {
    return all_dims(a) ? all(x[0], a) : with_dims(x[0], dims_of(a), a["keepdim"].get<bool>(), a);
  };
}

// Reference: reduces x (any layout) over `dims` in double, one output at a time.
Tensor naive_sum(const Tensor& x, int dim) {
  Tensor xd = x.to(kFloat64).contiguous();
  Dims out_shape;
  std::int64_t A = 1, B = x.size(dim), C = 1;
  for (int d = 0; d < x.dim(); ++d) {
    if (d != dim) out_shape.push_back(x.size(d));
    if (d < dim) A *= x.size(d);
    if (d > dim) C *= x.size(d);
  }
  Tensor out = zeros(out_shape, kFloat64);
  const double* p = xd.data_ptr<double>();
  double* o = out.data_ptr<double>();
  for (std::int64_t a = 0; a < A; ++a)
    for (std::int64_t b = 0; b < B; ++b)
      for (std::int64_t c = 0; c < C; ++c) o[a * C + c] += p[(a * B + b) * C + c];
  return out;
}

Tensor randn_like_shape(const Dims& shape, std::uint64_t seed) {
  return rand_input(shape, -1.0, 1.0, seed).detach().to(kFloat32);
}

}  // namespace

TEST(Reduce, MatchesPyTorch) {
  std::map<std::string, GoldenOp> ops = {
      {"sum", reduction([](const Tensor& x, const json&) { return sum(x); },
                        [](const Tensor& x, const Dims& d, bool k, const json&) { return sum(x, d, k); })},
      {"mean", reduction([](const Tensor& x, const json&) { return mean(x); },
                         [](const Tensor& x, const Dims& d, bool k, const json&) { return mean(x, d, k); })},
      {"var", reduction([](const Tensor& x, const json& a) { return var(x, a["unbiased"].get<bool>()); },
                        [](const Tensor& x, const Dims& d, bool k, const json& a) {
                          return var(x, d, a["unbiased"].get<bool>(), k);
                        })},
      {"std",
       reduction([](const Tensor& x, const json& a) { return keel::std(x, a["unbiased"].get<bool>()); },
                 [](const Tensor& x, const Dims& d, bool k, const json& a) {
                   return keel::std(x, d, a["unbiased"].get<bool>(), k);
                 })},
      {"norm", reduction([](const Tensor& x, const json& a) { return norm(x, p_of(a)); },
                         [](const Tensor& x, const Dims& d, bool k, const json& a) {
                           return norm(x, p_of(a), d, k);
                         })},
      {"amax",
       [](const std::vector<Tensor>& x, const json& a) { return amax(x[0], dims_of(a), a["keepdim"]); }},
      {"amin",
       [](const std::vector<Tensor>& x, const json& a) { return amin(x[0], dims_of(a), a["keepdim"]); }},
      {"max_all", [](const std::vector<Tensor>& x, const json&) { return max(x[0]); }},
      {"min_all", [](const std::vector<Tensor>& x, const json&) { return min(x[0]); }},
      {"max_dim_values", [](const std::vector<Tensor>& x,
                            const json& a) { return std::get<0>(max(x[0], a["dim"], a["keepdim"])); }},
      {"min_dim_values", [](const std::vector<Tensor>& x,
                            const json& a) { return std::get<0>(min(x[0], a["dim"], a["keepdim"])); }},
      {"max_dim_indices", [](const std::vector<Tensor>& x,
                             const json& a) { return std::get<1>(max(x[0], a["dim"], a["keepdim"])); }},
      {"min_dim_indices", [](const std::vector<Tensor>& x,
                             const json& a) { return std::get<1>(min(x[0], a["dim"], a["keepdim"])); }},
      {"argmax_all", [](const std::vector<Tensor>& x, const json&) { return argmax(x[0]); }},
      {"argmin_all", [](const std::vector<Tensor>& x, const json&) { return argmin(x[0]); }},
      {"argmax",
       [](const std::vector<Tensor>& x, const json& a) { return argmax(x[0], a["dim"], a["keepdim"]); }},
      {"argmin",
       [](const std::vector<Tensor>& x, const json& a) { return argmin(x[0], a["dim"], a["keepdim"]); }},
  };
  keel::testing::on_every_simd_target([&] { EXPECT_GT(keel::testing::check_golden("reduce", ops), 120); });
}

TEST(Reduce, Gradcheck) {
  auto a = rand_input({3, 4}, -1, 1, 1), b = rand_input({2, 3, 4}, -1, 1, 2);
  EXPECT_GRADCHECK([](const std::vector<Tensor>& x) { return x[0].sum(); }, {a});
  EXPECT_GRADCHECK([](const std::vector<Tensor>& x) { return x[0].sum({0, 2}, true); }, {b});
  EXPECT_GRADCHECK([](const std::vector<Tensor>& x) { return x[0].mean({1}); }, {b});
  EXPECT_GRADCHECK([](const std::vector<Tensor>& x) { return x[0].mean(); }, {a});
  EXPECT_GRADCHECK([](const std::vector<Tensor>& x) { return x[0].var({1}); }, {a});
  EXPECT_GRADCHECK([](const std::vector<Tensor>& x) { return x[0].var({0, 2}, false, true); }, {b});
  EXPECT_GRADCHECK([](const std::vector<Tensor>& x) { return x[0].std(); }, {b});
  EXPECT_GRADCHECK([](const std::vector<Tensor>& x) { return x[0].std({2}, true, true); }, {b});
  EXPECT_GRADCHECK([](const std::vector<Tensor>& x) { return x[0].max(); }, {a});
  EXPECT_GRADCHECK([](const std::vector<Tensor>& x) { return x[0].min(); }, {a});
  EXPECT_GRADCHECK([](const std::vector<Tensor>& x) { return std::get<0>(x[0].max(1, true)); }, {b});
  EXPECT_GRADCHECK([](const std::vector<Tensor>& x) { return std::get<0>(x[0].min(0)); }, {a});
  EXPECT_GRADCHECK([](const std::vector<Tensor>& x) { return x[0].amax({0, 2}); }, {b});
  EXPECT_GRADCHECK([](const std::vector<Tensor>& x) { return x[0].amin({1}, true); }, {b});
  for (double p : {1.0, 2.0, 3.0, 1.5, 0.5, double(INFINITY), -double(INFINITY)}) {
    EXPECT_GRADCHECK([p](const std::vector<Tensor>& x) { return x[0].norm(p); }, {a});
    EXPECT_GRADCHECK([p](const std::vector<Tensor>& x) { return x[0].norm(p, {1}, true); }, {b});
  }
}

TEST(Reduce, NonContiguousAndGeneralLayouts) {
  Tensor x = randn_like_shape({6, 5, 7}, 3);
  Tensor t = x.transpose(0, 2);  // (7, 5, 6), not contiguous
  EXPECT_LT(max_abs_diff(t.sum({1}), naive_sum(t, 1)), 1e-5);
  EXPECT_LT(max_abs_diff(x.sum({0, 2}), naive_sum(naive_sum(x, 2), 0)), 1e-5);  // K R K split: copy path
  EXPECT_LT(max_abs_diff(x.sum({0, 2}, true).squeeze(), naive_sum(naive_sum(x, 2), 0)), 1e-5);
  Tensor sliced = x.slice(2, 1, 7, 2);
  EXPECT_LT(max_abs_diff(sliced.amax({2}), std::get<0>(sliced.contiguous().max(2))), 0.0 + 1e-12);
  EXPECT_LT(max_abs_diff(t.softmax(1), t.contiguous().softmax(1)), 1e-7);
}

TEST(Reduce, LargeTensorsUseEveryPath) {
  // Rows, columns, a middle dim and a full reduction, each large enough to run in parallel.
  Tensor x = randn_like_shape({512, 300}, 4);
  EXPECT_LT(max_abs_diff(x.sum({1}), naive_sum(x, 1)), 1e-4);
  EXPECT_LT(max_abs_diff(x.sum({0}), naive_sum(x, 0)), 1e-4);
  Tensor y = randn_like_shape({3, 20000, 5}, 5);
  EXPECT_LT(max_abs_diff(y.sum({1}), naive_sum(y, 1)), 1e-3);
  Tensor v = y.var({1}, false).to(kFloat64);
  Tensor m = naive_sum(y, 1) / 20000.0;
  Tensor ref = naive_sum((y.to(kFloat64) - m.unsqueeze(1)) * (y.to(kFloat64) - m.unsqueeze(1)), 1) / 20000.0;
  EXPECT_LT(max_abs_diff(v, ref), 1e-6);
  Tensor z = randn_like_shape({1000, 1000}, 6);
  EXPECT_NEAR(z.sum().item(), naive_sum(z.flatten(), 0).item(), 1e-2);
  EXPECT_EQ(z.max().item(), std::get<0>(z.flatten().max(0)).item());
  Tensor col = randn_like_shape({100000, 2}, 7);
  EXPECT_LT(max_abs_diff(col.sum({0}), naive_sum(col, 0)), 1e-2);
  EXPECT_LT(max_abs_diff(col.amin({0}), std::get<0>(col.min(0))), 0.0 + 1e-12);
}

TEST(Reduce, ManyThreadsSplitRowsColumnsAndChunks) {
  // More threads than cores still exercises every way the work is split and recombined.
  const int saved = get_num_threads();
  set_num_threads(8);
  Tensor cols = randn_like_shape({4096, 300}, 10);
  Tensor mid = randn_like_shape({2, 5000, 40}, 11);
  Tensor flat = randn_like_shape({300000}, 12);
  EXPECT_LT(max_abs_diff(cols.sum({0}), naive_sum(cols, 0)), 1e-3);
  EXPECT_LT(max_abs_diff(cols.sum({1}), naive_sum(cols, 1)), 1e-4);
  EXPECT_LT(max_abs_diff(mid.sum({1}), naive_sum(mid, 1)), 1e-3);
  EXPECT_LT(max_abs_diff(mid.amax({1}), std::get<0>(mid.max(1))), 1e-12);
  EXPECT_NEAR(flat.sum().item(), naive_sum(flat, 0).item(), 1e-3);
  EXPECT_EQ(flat.min().item(), std::get<0>(flat.min(0)).item());
  set_num_threads(saved);
}

TEST(Reduce, Float32SumIsAccurate) {
  // 1M copies of 0.1f: a naive float loop drifts by ~1%; the exact sum of the stored values
  // is 1M * 0.100000001490116.
  Tensor x = full({1 << 20}, 0.1);
  const double exact = (1 << 20) * static_cast<double>(0.1f);
  EXPECT_NEAR(x.sum().item(), exact, exact * 1e-6);
  EXPECT_NEAR(x.view({1024, 1024}).sum({0}).sum().item(), exact, exact * 1e-6);
  EXPECT_NEAR(x.mean().item(), static_cast<double>(0.1f), 1e-7);
}

TEST(Reduce, KeepsSumToWorking) {
  Tensor a = rand_input({3, 1}, -1, 1, 8), b = rand_input({4}, -1, 1, 9);
  (a + b).sum().backward();
  EXPECT_DOUBLE_EQ(a.grad()[1][0].item(), 4.0);
  EXPECT_DOUBLE_EQ(b.grad()[2].item(), 3.0);
}

TEST(Reduce, DtypesAndShapes) {
  Tensor b = tensor({{1, 0, 1}, {1, 1, 1}}).to(kBool);
  Tensor s = b.sum();
  EXPECT_EQ(s.dtype(), kInt64);
  EXPECT_EQ(s.item<std::int64_t>(), 5);
  EXPECT_EQ(b.max().dtype(), kBool);
  EXPECT_EQ(b.argmin().item<std::int64_t>(), 1);
  Tensor scalar = scalar_tensor(2.5);
  EXPECT_EQ(scalar.sum().dim(), 0);
  EXPECT_EQ(scalar.sum({0}).item(), 2.5);
  EXPECT_EQ(std::get<1>(scalar.max(0)).item(), 0.0);
  EXPECT_EQ(ones({2, 3}).sum({-1}, true).sizes(), Dims({2, 1}));
  EXPECT_EQ(ones({2, 0}).sum({1}).sizes(), Dims({2}));
  EXPECT_EQ(ones({0, 3}).amax({1}).sizes(), Dims({0}));
  EXPECT_TRUE(std::isnan(ones({1}).var().item()));
  EXPECT_EQ(ones({1}).var(false).item(), 0.0);
  EXPECT_EQ(zeros({2, 3}).norm(2).item(), 0.0);
  EXPECT_EQ(tensor({3, -4}).norm(INFINITY).item(), 4.0);
}

TEST(Reduce, ErrorsNameTheOp) {
  auto expect_error = [](const std::function<void()>& f, const std::vector<std::string>& parts) {
    try {
      f();
      ADD_FAILURE() << "no error";
    } catch (const Error& e) {
      std::string m = e.what();
      for (const auto& p : parts) EXPECT_NE(m.find(p), std::string::npos) << m;
    }
  };
  expect_error([] { (void)ones({2, 3}).sum({2}); }, {"sum", "[-2, 1]", "2"});
  expect_error([] { (void)ones({2, 3}).mean({-3}); }, {"mean", "[-2, 1]"});
  expect_error([] { (void)ones({2, 3}).sum({1, -1}); }, {"sum", "multiple times"});
  expect_error([] { (void)ones({2, 3}).max(5); }, {"max", "range"});
  expect_error([] { (void)ones({0}).max(); }, {"max()", "numel() == 0"});
  expect_error([] { (void)ones({0, 2}).argmax(); }, {"argmax()", "numel() == 0"});
  expect_error([] { (void)ones({2, 0}).max(1); }, {"max()", "dim 1", "non-zero size"});
  expect_error([] { (void)ones({2, 0}).amin({1}); }, {"amin()", "dim 1"});
  expect_error([] { (void)ones({2}, kInt64).mean(); }, {"mean", "int64"});
  expect_error([] { (void)ones({2}, kInt64).var(); }, {"var", "int64"});
  expect_error([] { (void)ones({2}, kInt64).norm(); }, {"norm", "int64"});
}
