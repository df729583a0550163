#include <gtest/gtest.h>
#include <keel/keel.h>

#include <cmath>
#include <limits>

#include "kernels/cpu/gemm.h"
#include "support/errors.h"
#include "support/golden.h"
#include "support/gradcheck.h"
#include "support/simd_targets.h"

using keel::testing::error_of;

using namespace keel;
using keel::testing::GoldenOp;
using keel::testing::gradcheck;
using keel::testing::max_abs_diff;
using keel::testing::rand_input;
using nlohmann::json;

TEST(Linalg, MatchesPyTorch) {
  std::map<std::string, GoldenOp> ops = {
      {"matmul", [](const std::vector<Tensor>& x, const json&) { return matmul(x[0], x[1]); }},
      {"mm", [](const std::vector<Tensor>& x, const json&) { return x[0].mm(x[1]); }},
      {"bmm", [](const std::vector<Tensor>& x, const json&) { return bmm(x[0], x[1]); }},
      // Transposed views go to the GEMM as transposed operands, not copies.
      {"matmul_t",
       [](const std::vector<Tensor>& x, const json& a) {
         Tensor l = a["ta"].get<bool>() ? x[0].transpose(-1, -2) : x[0];
         Tensor r = a["tb"].get<bool>() ? x[1].transpose(-1, -2) : x[1];
         return l.matmul(r);
       }},
      {"addmm",
       [](const std::vector<Tensor>& x, const json& a) {
         return addmm(x[0], x[1], x[2], a["beta"].get<double>(), a["alpha"].get<double>());
       }},
  };
  EXPECT_GT(keel::testing::check_golden("linalg", ops), 40);
}

TEST(Linalg, Gradcheck) {
  auto mmf = [](const std::vector<Tensor>& x) { return matmul(x[0], x[1]); };
  EXPECT_GRADCHECK(mmf, {rand_input({4}, -1, 1, 1), rand_input({4}, -1, 1, 2)});
  EXPECT_GRADCHECK(mmf, {rand_input({3, 4}, -1, 1, 3), rand_input({4}, -1, 1, 4)});
  EXPECT_GRADCHECK(mmf, {rand_input({4}, -1, 1, 5), rand_input({4, 2}, -1, 1, 6)});
  EXPECT_GRADCHECK(mmf, {rand_input({3, 4}, -1, 1, 7), rand_input({4, 2}, -1, 1, 8)});
  EXPECT_GRADCHECK(mmf, {rand_input({2, 1, 3, 4}, -1, 1, 9), rand_input({3, 4, 2}, -1, 1, 10)});
  EXPECT_GRADCHECK(mmf, {rand_input({2, 3, 4}, -1, 1, 11), rand_input({4, 2}, -1, 1, 12)});
  EXPECT_GRADCHECK(mmf, {rand_input({3, 4}, -1, 1, 13), rand_input({2, 4, 2}, -1, 1, 14)});
  EXPECT_GRADCHECK(mmf, {rand_input({4}, -1, 1, 15), rand_input({2, 4, 3}, -1, 1, 16)});
  EXPECT_GRADCHECK(mmf, {rand_input({2, 3, 4}, -1, 1, 17), rand_input({4}, -1, 1, 18)});
  EXPECT_GRADCHECK([](const std::vector<Tensor>& x) { return x[0].t().mm(x[1].t()); },
                   {rand_input({4, 3}, -1, 1, 19), rand_input({2, 4}, -1, 1, 20)});
  EXPECT_GRADCHECK([](const std::vector<Tensor>& x) { return bmm(x[0], x[1].transpose(1, 2)); },
                   {rand_input({2, 3, 4}, -1, 1, 21), rand_input({2, 5, 4}, -1, 1, 22)});
  EXPECT_GRADCHECK(
      [](const std::vector<Tensor>& x) { return addmm(x[0], x[1], x[2], 0.5, -2.0); },
      {rand_input({3}, -1, 1, 23), rand_input({2, 4}, -1, 1, 24), rand_input({4, 3}, -1, 1, 25)});
}

TEST(Linalg, StridedAndSlicedOperandsMatchContiguous) {
  Tensor big = rand_input({6, 8}, -1, 1, 31).detach().to_float();
  Tensor b = rand_input({3, 5}, -1, 1, 32).detach().to_float();
  // A column slice keeps unit column stride; a step slice does not and must be copied.
  Tensor a1 = big.slice(1, 2, 5);
  Tensor a2 = big.slice(1, 0, 6, 2);
  EXPECT_LT(max_abs_diff(matmul(a1, b), matmul(a1.contiguous(), b)), 1e-6);
  EXPECT_LT(max_abs_diff(matmul(a2, b), matmul(a2.contiguous(), b)), 1e-6);
  // Expanded (stride-0) batch and matrix dims.
  Tensor v = rand_input({1, 3}, -1, 1, 33).detach().to_float();
  Tensor e = v.expand({4, 3});
  EXPECT_LT(max_abs_diff(matmul(e, b), matmul(e.contiguous(), b)), 1e-6);
  Tensor bb = b.unsqueeze(0).expand({4, 3, 5});
  EXPECT_LT(max_abs_diff(matmul(big.slice(1, 0, 3).view({2, 3, 3}).transpose(1, 2), bb.slice(0, 0, 2)),
                         matmul(big.slice(1, 0, 3).view({2, 3, 3}).transpose(1, 2).contiguous(),
                                bb.slice(0, 0, 2).contiguous())),
            1e-6);
  // Batched rows that fold into one GEMM, and ones that do not (a permuted batch).
  Tensor x = rand_input({4, 3, 6}, -1, 1, 34).detach();
  Tensor w = rand_input({6, 2}, -1, 1, 35).detach();
  Tensor xp = x.permute({1, 0, 2});
  EXPECT_LT(max_abs_diff(matmul(xp, w), matmul(xp.contiguous(), w)), 1e-12);
  EXPECT_LT(max_abs_diff(matmul(x, w).select(1, 1), matmul(x.select(1, 1), w)), 1e-12);
}

TEST(Linalg, EmptyAndZeroInnerSizes) {
  Tensor a = zeros({3, 0}), b = zeros({0, 4});
  Tensor c = matmul(a, b);
  EXPECT_EQ(c.sizes(), (Dims{3, 4}));
  EXPECT_EQ(max_abs_diff(c, zeros({3, 4})), 0.0);
  EXPECT_EQ(matmul(zeros({0, 3}), ones({3, 2})).sizes(), (Dims{0, 2}));
  EXPECT_EQ(matmul(zeros({2, 0, 3}), ones({3, 2})).sizes(), (Dims{2, 0, 2}));
  EXPECT_EQ(matmul(ones({3}), ones({3})).dim(), 0);
  EXPECT_EQ(matmul(ones({3}), ones({3})).item(), 3.0);
}

TEST(Linalg, BetaZeroIgnoresNaNs) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  // n = 2 takes the tiny loop nest, 32 keel's packed kernel, 512 oneDNN.
  for (std::int64_t n : {2, 32, 512}) {
    Tensor c = full({n, n}, nan);
    Tensor a = ones({n, n}), b = ones({n, n});
    kernels::gemm(false, false, n, n, n, 1.0f, a.data_ptr<float>(), n, b.data_ptr<float>(), n, 0.0f,
                  c.data_ptr<float>(), n);
    EXPECT_EQ(c.sum().item(), static_cast<double>(n * n * n));
    Tensor cd = full({n, n}, nan, kFloat64);
    Tensor ad = ones({n, n}, kFloat64), bd = ones({n, n}, kFloat64);
    kernels::gemm(false, false, n, n, n, 1.0, ad.data_ptr<double>(), n, bd.data_ptr<double>(), n, 0.0,
                  cd.data_ptr<double>(), n);
    EXPECT_EQ(cd.sum().item(), static_cast<double>(n * n * n));
    Tensor out = addmm(full({n}, nan), a, b, 0.0, 1.0);
    EXPECT_EQ(out.sum().item(), static_cast<double>(n * n * n));
  }
}

TEST(Linalg, OneDnnPathsMatchFloat64) {
  // Sizes above the tiny-product cutoff (keel's packed kernel or oneDNN): folded rows, broadcast
  // batches, transposed operands on either side, and the small-matrix parallel batch loop.
  auto f = [](const Dims& s, std::uint64_t seed) { return rand_input(s, -1, 1, seed).detach().to_float(); };
  auto check = [](const Tensor& a, const Tensor& b) {
    EXPECT_LT(max_abs_diff(matmul(a, b), matmul(a.to_double(), b.to_double())), 1e-4)
        << a.sizes() << " @ " << b.sizes();
  };
  Tensor x = f({2, 3, 40, 50}, 61), w = f({30, 50}, 62);
  check(x, w.t());
  check(x.transpose(-1, -2).contiguous().transpose(-1, -2), w.t());
  check(f({3, 1, 40, 50}, 63), f({4, 50, 20}, 64).transpose(-1, -2).contiguous().transpose(-1, -2));
  check(f({50, 40}, 65).t(), f({2, 50, 20}, 66));
  check(f({64, 16, 24}, 67), f({64, 24, 16}, 68));
  check(f({50}, 69), f({3, 50, 20}, 70));
  check(f({3, 40, 50}, 71), f({50}, 72));
}

TEST(Linalg, OneDnnBackwardMatchesFloat64) {
  // Gradients of broadcast batched products at oneDNN sizes, float32 against float64.
  std::vector<std::pair<Dims, Dims>> cases = {{{2, 3, 40, 50}, {50, 30}},
                                              {{40, 50}, {3, 50, 20}},
                                              {{3, 1, 40, 50}, {4, 50, 20}},
                                              {{50}, {2, 50, 20}}};
  for (const auto& [sa, sb] : cases) {
    Tensor a64 = rand_input(sa, -1, 1, 81), b64 = rand_input(sb, -1, 1, 82);
    Tensor a32 = a64.detach().to_float().requires_grad_(), b32 = b64.detach().to_float().requires_grad_();
    Tensor out64 = matmul(a64, b64);
    Tensor g64 = rand_input(out64.sizes(), -1, 1, 83).detach();
    out64.backward(g64);
    matmul(a32, b32).backward(g64.to_float());
    EXPECT_LT(max_abs_diff(a32.grad(), a64.grad()), 2e-4) << sa << " @ " << sb;
    EXPECT_LT(max_abs_diff(b32.grad(), b64.grad()), 2e-4) << sa << " @ " << sb;
  }
}

TEST(Linalg, LargeFloat32MatchesFloat64Reference) {
  Tensor a = rand_input({1024, 1024}, -1, 1, 41).detach().to_float();
  Tensor b = rand_input({1024, 1024}, -1, 1, 42).detach().to_float();
  Tensor c = matmul(a, b);
  Tensor ref = matmul(a.to_double(), b.to_double());
  // Entries are sums of 1024 products of size <= 1: float32 rounding stays well under 1e-3.
  EXPECT_LT(max_abs_diff(c, ref), 2e-3);
  // The transposed-operand path on the same data: (b^T a^T) = (a b)^T.
  EXPECT_LT(max_abs_diff(matmul(b.t(), a.t()), ref.t()), 2e-3);
}

TEST(Linalg, Int64) {
  Tensor a = from_vector(std::vector<std::int64_t>{1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor b = from_vector(std::vector<std::int64_t>{1, 0, -1, 2, 3, 1}, {3, 2});
  Tensor c = matmul(a, b);
  EXPECT_EQ(c.dtype(), kInt64);
  EXPECT_EQ(c.data_ptr<std::int64_t>()[0], 1 * 1 + 2 * -1 + 3 * 3);
  EXPECT_EQ(c.data_ptr<std::int64_t>()[3], 4 * 0 + 5 * 2 + 6 * 1);
}

TEST(Linalg, GradWhenOnlyOneSideRequiresGrad) {
  Tensor x = rand_input({2, 3, 4}, -1, 1, 51).detach();
  Tensor w = rand_input({4, 5}, -1, 1, 52);
  matmul(x, w).sum().backward();
  // d(sum(x @ w))/dw[k][n] = sum over batch rows of x[..., k].
  Tensor want = x.sum({0, 1}).unsqueeze(1).expand({4, 5});
  EXPECT_LT(max_abs_diff(w.grad(), want), 1e-12);
  EXPECT_FALSE(x.requires_grad());
}

TEST(Linalg, ErrorsNameOpAndShapes) {
  std::string m = error_of([] { (void)mm(ones({2, 3}), ones({4, 5})); });
  EXPECT_NE(m.find("mm: mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)"), std::string::npos) << m;
  m = error_of([] { (void)matmul(ones({2, 2, 3}), ones({4, 5})); });
  EXPECT_NE(m.find("matmul"), std::string::npos) << m;
  EXPECT_NE(m.find("[2, 2, 3]"), std::string::npos) << m;
  EXPECT_NE(m.find("[4, 5]"), std::string::npos) << m;
  m = error_of([] { (void)matmul(ones({3}), ones({4})); });
  EXPECT_NE(m.find("[3] and [4]"), std::string::npos) << m;
  m = error_of([] { (void)matmul(ones({2, 2, 3}), ones({3, 3, 4})); });
  EXPECT_NE(m.find("cannot be broadcast"), std::string::npos) << m;
  EXPECT_THROW((void)matmul(ones({}), ones({3})), Error);
  EXPECT_THROW((void)mm(ones({2, 3, 4}), ones({4, 2})), Error);
  EXPECT_THROW((void)bmm(ones({2, 3, 4}), ones({3, 4, 2})), Error);
  EXPECT_THROW((void)matmul(ones({2, 3}), ones({3, 2}, kFloat64)), Error);
  EXPECT_THROW((void)matmul(ones({2, 3}, kBool), ones({3, 2}, kBool)), Error);
  EXPECT_THROW((void)addmm(ones({3, 3}), ones({2, 3}), ones({3, 2})), Error);
}

// The float32 GEMM against a float64 loop, over the shapes that pick each path (tiny loop,
// keel's packed kernel, oneDNN), partial row and column panels, both transposes, strided
// operands, alpha and beta (beta = 0 must not read C), and every SIMD target. 300 rows are
// several row blocks, whose tasks pack B once for all of them (1030 columns: a B whose rows are
// a page apart is packed even untransposed).
TEST(Linalg, FloatGemmPathsMatchFloat64) {
  struct Shape {
    std::int64_t m, n, k;
  };
  const std::vector<Shape> shapes = {{3, 5, 7},     {13, 33, 40},   {12, 32, 256},
                                     {25, 70, 300}, {128, 50, 784}, {40, 64, 9},
                                     {7, 100, 600}, {300, 40, 64},  {300, 1030, 40}};
  keel::testing::on_every_simd_target([&] {
    std::uint64_t seed = 100;
    for (const Shape& s : shapes) {
      for (int t = 0; t < 4; ++t) {
        const bool ta = t & 1, tb = t & 2;
        const std::int64_t lda = (ta ? s.m : s.k) + 3, ldb = (tb ? s.k : s.n) + 1, ldc = s.n + 2;
        Tensor a = rand_input({ta ? s.k : s.m, lda}, -1, 1, ++seed).detach().to_float();
        Tensor b = rand_input({tb ? s.n : s.k, ldb}, -1, 1, ++seed).detach().to_float();
        Tensor c0 = rand_input({s.m, ldc}, -1, 1, ++seed).detach().to_float();
        for (float beta : {0.0f, 1.0f, -0.5f}) {
          const float alpha = beta == 1.0f ? 0.5f : 1.0f;
          Tensor c = c0.clone();
          if (beta == 0.0f) c.fill_(std::numeric_limits<float>::quiet_NaN());
          kernels::gemm(ta, tb, s.m, s.n, s.k, alpha, a.data_ptr<float>(), lda, b.data_ptr<float>(), ldb,
                        beta, c.data_ptr<float>(), ldc);
          // Reference in float64 on the logical operands.
          Tensor opa = a.to_double().narrow(1, 0, ta ? s.m : s.k),
                 opb = b.to_double().narrow(1, 0, tb ? s.k : s.n);
          if (ta) opa = opa.t();
          if (tb) opb = opb.t();
          Tensor ref = matmul(opa, opb) * alpha;
          if (beta != 0.0f) ref = ref + c0.to_double().narrow(1, 0, s.n) * beta;
          EXPECT_LT(max_abs_diff(c.to_double().narrow(1, 0, s.n), ref), 1e-4 * std::sqrt(double(s.k)))
              << s.m << "x" << s.n << "x" << s.k << " ta=" << ta << " tb=" << tb << " beta=" << beta;
          // Columns past N (the row padding of C) are untouched.
          if (beta != 0.0f) {
            EXPECT_EQ(max_abs_diff(c.narrow(1, s.n, ldc - s.n), c0.narrow(1, s.n, ldc - s.n)), 0.0);
          }
        }
      }
    }
  });
}
