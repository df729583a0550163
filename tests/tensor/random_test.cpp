// Random factories: reproducibility, thread-count independence, distributions.
#include <gtest/gtest.h>
#include <keel/keel.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>

#include "keel/autograd/node.h"
#include "support/simd_targets.h"
#include "tensor/tensor_test_util.h"

using namespace keel;
using keel::testing::expect_error;
using keel::testing::values_of;

namespace {

bool bit_equal(const Tensor& a, const Tensor& b) {
  if (a.sizes() != b.sizes() || a.dtype() != b.dtype()) return false;
  Tensor x = a.contiguous(), y = b.contiguous();
  return std::memcmp(x.raw_data(), y.raw_data(), x.numel() * x.element_size()) == 0;
}

struct Moments {
  double mean, std, min, max;
};
Moments moments(const Tensor& t) {
  std::vector<double> v = values_of(t);
  double s = 0, s2 = 0, lo = INFINITY, hi = -INFINITY;
  for (double x : v) {
    s += x;
    lo = std::min(lo, x);
    hi = std::max(hi, x);
  }
  double mean = s / v.size();
  for (double x : v) s2 += (x - mean) * (x - mean);
  return {mean, std::sqrt(s2 / (v.size() - 1)), lo, hi};
}

// Restores the thread count a test changes.
class ThreadCount {
 public:
  ThreadCount() : saved_(get_num_threads()) {}
  ~ThreadCount() { set_num_threads(saved_); }

 private:
  int saved_;
};

}  // namespace

TEST(TensorRandom, SeededRunsRepeat) {
  manual_seed(42);
  Tensor a = rand({1000}), an = randn({3, 5}, kFloat64), ai = randint(0, 10, {50}), ap = randperm(20);
  manual_seed(42);
  Tensor b = rand({1000}), bn = randn({3, 5}, kFloat64), bi = randint(0, 10, {50}), bp = randperm(20);
  EXPECT_TRUE(bit_equal(a, b));
  EXPECT_TRUE(bit_equal(an, bn));
  EXPECT_TRUE(bit_equal(ai, bi));
  EXPECT_TRUE(bit_equal(ap, bp));
  EXPECT_FALSE(bit_equal(rand({1000}), a));  // the stream moves on
  EXPECT_EQ(default_generator().seed(), 42u);

  Generator g(7);
  Tensor g1 = randn({100}, kFloat32, &g);
  g.manual_seed(7);
  EXPECT_TRUE(bit_equal(randn({100}, kFloat32, &g), g1));
  EXPECT_EQ(g.offset(), 100u);
}

TEST(TensorRandom, NormalPairsDoNotDependOnLength) {
  // Element i of randn always comes from counters 2*(i/2) and 2*(i/2)+1.
  manual_seed(3);
  Tensor a = randn({7});
  manual_seed(3);
  Tensor b = randn({8});
  EXPECT_TRUE(bit_equal(a, b.narrow(0, 0, 7)));
}

TEST(TensorRandom, IndependentOfThreadCount) {
  ThreadCount restore;
  auto draw = [] {
    manual_seed(1234);
    std::vector<Tensor> out = {rand({300001}), randn({300001}, kFloat64), randint(-50, 50, {200000}),
                               bernoulli({200000}, 0.25), randperm(5000)};
    Tensor u = empty({400, 500});
    uniform_(u, -2, 3);
    Tensor n = empty({500, 400}, kFloat64);
    normal_(n, 1, 2);
    out.push_back(u);
    out.push_back(n);
    return out;
  };
  set_num_threads(1);
  auto one = draw();
  set_num_threads(2);
  auto two = draw();
  set_num_threads(4);
  auto four = draw();
  for (std::size_t k = 0; k < one.size(); ++k) {
    EXPECT_TRUE(bit_equal(one[k], two[k])) << "draw " << k;
    EXPECT_TRUE(bit_equal(one[k], four[k])) << "draw " << k;
  }
}

TEST(TensorRandom, UniformAndNormalMoments) {
  manual_seed(0);
  Moments u = moments(rand({1000000}));
  EXPECT_NEAR(u.mean, 0.5, 0.003);  // sigma of the mean: 0.00029
  EXPECT_NEAR(u.std, std::sqrt(1.0 / 12.0), 0.003);
  EXPECT_GE(u.min, 0.0);
  EXPECT_LT(u.max, 1.0);
  Moments ud = moments(rand({1000000}, kFloat64));
  EXPECT_NEAR(ud.mean, 0.5, 0.003);
  EXPECT_LT(ud.max, 1.0);

  Moments n = moments(randn({1000000}));
  EXPECT_NEAR(n.mean, 0.0, 0.006);  // sigma of the mean: 0.001
  EXPECT_NEAR(n.std, 1.0, 0.006);
  EXPECT_LT(n.min, -4.0);  // tails are there
  EXPECT_GT(n.max, 4.0);

  Tensor t = empty({200000}, kFloat64);
  normal_(t, 3.0, 0.5);
  Moments nt = moments(t);
  EXPECT_NEAR(nt.mean, 3.0, 0.01);
  EXPECT_NEAR(nt.std, 0.5, 0.01);
  uniform_(t, -4, -2);
  Moments ut = moments(t);
  EXPECT_GE(ut.min, -4.0);
  EXPECT_LT(ut.max, -2.0);
  EXPECT_NEAR(ut.mean, -3.0, 0.01);
}

TEST(TensorRandom, RandintRange) {
  manual_seed(5);
  Tensor r = randint(-3, 5, {20000});
  EXPECT_EQ(r.dtype(), kInt64);
  std::set<double> seen;
  for (double v : values_of(r)) {
    EXPECT_GE(v, -3);
    EXPECT_LT(v, 5);
    seen.insert(v);
  }
  EXPECT_EQ(seen.size(), 8u);
  Moments m = moments(r);
  EXPECT_NEAR(m.mean, 0.5, 0.05);
  EXPECT_EQ(randint(0, 4, {3}, kFloat32).dtype(), kFloat32);
  EXPECT_EQ(values_of(randint(9, 10, {4})), std::vector<double>(4, 9.0));
  expect_error([] { randint(5, 5, {2}); }, {"randint", "5"});
}

TEST(TensorRandom, RandpermIsAPermutation) {
  manual_seed(11);
  Tensor p = randperm(1000);
  EXPECT_EQ(p.dtype(), kInt64);
  std::vector<double> v = values_of(p);
  std::vector<double> sorted = v;
  std::sort(sorted.begin(), sorted.end());
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(sorted[i], i);
  int fixed_points = 0;
  for (int i = 0; i < 1000; ++i) fixed_points += v[i] == i;
  EXPECT_LT(fixed_points, 10);  // expected 1 for a uniform permutation
  EXPECT_EQ(randperm(0).numel(), 0);
  EXPECT_EQ(values_of(randperm(1)), std::vector<double>{0});
  EXPECT_EQ(randperm(5, kFloat64).dtype(), kFloat64);
  expect_error([] { randperm(-1); }, {"randperm", "-1"});
}

TEST(TensorRandom, BernoulliRate) {
  manual_seed(9);
  Tensor b = bernoulli({100000}, 0.3);
  EXPECT_EQ(b.dtype(), kFloat32);
  double count = 0;
  for (double v : values_of(b)) {
    EXPECT_TRUE(v == 0 || v == 1);
    count += v;
  }
  EXPECT_NEAR(count / 100000, 0.3, 0.01);
  EXPECT_EQ(bernoulli({4}, 1.0, kBool).dtype(), kBool);

  Tensor probs = tensor({0.0, 1.0, 0.0, 1.0}, kFloat64).view({2, 2}).t();
  Tensor d = bernoulli(probs);
  EXPECT_EQ(d.dtype(), kFloat64);
  EXPECT_EQ(values_of(d), (std::vector<double>{0, 0, 1, 1}));
  Tensor half = bernoulli(full({50000}, 0.5));
  EXPECT_NEAR(moments(half).mean, 0.5, 0.01);
  expect_error([] { bernoulli({2}, 1.5); }, {"bernoulli", "1.5"});
  expect_error([] { bernoulli(tensor({0.5, -0.1})); }, {"bernoulli", "-0.1"});
  expect_error([] { bernoulli(ones({2}, kInt64)); }, {"bernoulli", "int64"});
}

TEST(TensorRandom, LikeAndDtypes) {
  Tensor t = zeros({2, 3}, kFloat64);
  EXPECT_EQ(rand_like(t).dtype(), kFloat64);
  EXPECT_EQ(randn_like(t).sizes(), (Dims{2, 3}));
  expect_error([] { rand({2}, kInt64); }, {"rand", "int64"});
  expect_error([] { randn({2}, kBool); }, {"randn", "bool"});
  expect_error([] { rand_like(zeros({2}, kInt64)); }, {"rand", "int64"});
}

TEST(TensorRandom, InPlaceFillsFollowLogicalOrder) {
  manual_seed(5);
  Tensor a = empty({3, 4});
  uniform_(a);
  manual_seed(5);
  Tensor b = empty({4, 3});
  Tensor bt = b.t();
  uniform_(bt);
  EXPECT_TRUE(bit_equal(bt.contiguous(), a));
  // A view fills only its own elements.
  Tensor z = zeros({4, 4});
  Tensor col = z.select(1, 2);
  normal_(col, 10, 1);
  std::vector<double> v = values_of(z);
  for (int i = 0; i < 16; ++i) {
    if (i % 4 == 2) {
      EXPECT_GT(v[i], 3);
    } else {
      EXPECT_EQ(v[i], 0);
    }
  }
  expect_error([&] { uniform_(a, 2, 1); }, {"uniform_", "from=2", "to=1"});
  expect_error([&] { normal_(a, 0, -1); }, {"normal_", "-1"});
  Tensor i = zeros({2}, kInt64);
  expect_error([&] { uniform_(i); }, {"uniform_", "int64"});
}

TEST(TensorRandom, InPlaceFillsAndAutograd) {
  Tensor w = zeros({3, 4}).requires_grad_();
  // Like PyTorch: filling a leaf that requires grad needs no_grad (nn::init runs under it).
  expect_error([&] { uniform_(w); }, {"uniform_", "leaf"});
  {
    NoGradGuard g;
    std::uint64_t version = w.storage()->version();
    uniform_(w, -1, 1);
    normal_(w);
    EXPECT_GT(w.storage()->version(), version);
  }
  EXPECT_TRUE(w.is_leaf());
  EXPECT_TRUE(w.requires_grad());
  EXPECT_NE(values_of(w), std::vector<double>(12, 0.0));
  // The filled leaf trains normally.
  (w * 3.0).sum().backward();
  ASSERT_TRUE(w.grad().defined());
  EXPECT_EQ(values_of(w.grad()), std::vector<double>(12, 3.0));

  // On a non-leaf the fill cuts the gradient to the old value, as PyTorch's zero derivative.
  Tensor x = ones({2}).requires_grad_(), other = ones({2}).requires_grad_();
  Tensor y = x * 2.0;
  uniform_(y);
  EXPECT_STREQ(y.grad_fn()->name(), "UniformBackward0");
  (y * other).sum().backward();
  ASSERT_TRUE(other.grad().defined());
  EXPECT_EQ(values_of(other.grad()), values_of(y));
}

// The vectorized fills must follow the documented counter mapping exactly.
TEST(RandomMapping, RandAndBernoulliFollowGeneratorAt) {
  keel::Generator g(1234);
  keel::Generator ref(1234);
  keel::Tensor u = keel::rand({1000}, keel::kFloat32, &g);
  keel::Tensor d = keel::rand({1000}, keel::kFloat64, &g);
  keel::Tensor b = keel::bernoulli({1000}, 0.3, keel::kFloat32, &g);
  for (std::int64_t i = 0; i < 1000; ++i) {
    float uf = static_cast<float>(ref.at(static_cast<std::uint64_t>(i)) >> 40) * 0x1.0p-24f;
    EXPECT_EQ(u[i].item<float>(), uf);
    double ud = static_cast<double>(ref.at(static_cast<std::uint64_t>(1000 + i)) >> 11) * 0x1.0p-53;
    EXPECT_EQ(d[i].item<double>(), ud);
    double ub = static_cast<double>(ref.at(static_cast<std::uint64_t>(2000 + i)) >> 11) * 0x1.0p-53;
    EXPECT_EQ(b[i].item<float>(), ub < 0.3 ? 1.0f : 0.0f);
  }
}

// Dropout's mask kernel (integer threshold, Weyl sequence by adds) on every SIMD target: the
// same draws as the documented mapping, for probabilities at and between the ends, a length
// that leaves a tail, and a start that is not a multiple of the vector width.
TEST(RandomMapping, ScaledBernoulliFollowsGeneratorAtOnEverySimdTarget) {
  keel::testing::on_every_simd_target([] {
    for (double p : {0.0, 1e-9, 0.2, 0.5, 0.8, 1.0}) {
      keel::Generator g(99), ref(99);
      (void)keel::rand({3}, keel::kFloat32, &g);  // the mask starts at counter 3
      keel::Tensor m = keel::bernoulli_scaled({1003}, p, 1.25, keel::kFloat32, &g);
      for (std::int64_t i = 0; i < 1003; ++i) {
        const double u = static_cast<double>(ref.at(static_cast<std::uint64_t>(3 + i)) >> 11) * 0x1.0p-53;
        ASSERT_EQ(m[i].item<float>(), u < p ? 1.25f : 0.0f) << "p=" << p << " i=" << i;
      }
    }
  });
}
