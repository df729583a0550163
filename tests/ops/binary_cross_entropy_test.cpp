// binary_cross_entropy as its own op: PyTorch's finite gradients at predictions of exactly 0
// and 1 (the golden edge cases in losses.json give the exact values), and its errors.
#include <gtest/gtest.h>
#include <keel/autograd/node.h>
#include <keel/keel.h>
#include <keel/ops/binary_cross_entropy.h>

#include <cmath>

using namespace keel;

TEST(BinaryCrossEntropy, SaturatedPredictionsGiveLargeFiniteGradients) {
  for (DType dt : {kFloat32, kFloat64}) {
    Tensor x = tensor({0.0, 1.0, 0.0, 1.0}).to(dt).requires_grad_();
    Tensor t = tensor({1.0, 0.0, 0.0, 1.0}).to(dt);
    Tensor loss = binary_cross_entropy(x, t, Tensor(), "sum");
    EXPECT_STREQ(loss.grad_fn()->name(), "BinaryCrossEntropyBackward0");
    EXPECT_DOUBLE_EQ(loss.item(), 200.0);  // each wrong saturated prediction costs the clamp, 100
    loss.backward();
    Tensor g = x.grad().to(kFloat64).contiguous();
    const double* p = g.data_ptr<double>();
    // (x - t) / max(x (1 - x), 1e-12): -1e12 and 1e12 where wrong, 0 where right.
    EXPECT_NEAR(p[0], -1e12, 1e6);
    EXPECT_NEAR(p[1], 1e12, 1e6);
    EXPECT_EQ(p[2], 0.0);
    EXPECT_EQ(p[3], 0.0);
  }
}

TEST(BinaryCrossEntropy, MeanDividesTheWeightedGradientByTheElementCount) {
  Tensor x = tensor({0.25, 0.5}).to(kFloat64).requires_grad_();
  Tensor t = tensor({1.0, 0.0}).to(kFloat64);
  Tensor w = tensor({2.0, 3.0}).to(kFloat64);
  binary_cross_entropy(x, t, w, "mean").backward();
  Tensor g = x.grad().contiguous();
  EXPECT_NEAR(g.data_ptr<double>()[0], 2.0 * (0.25 - 1.0) / (0.25 * 0.75) / 2, 1e-12);
  EXPECT_NEAR(g.data_ptr<double>()[1], 3.0 * 0.5 / 0.25 / 2, 1e-12);
}

TEST(BinaryCrossEntropy, RejectsBadArguments) {
  Tensor x = tensor({0.5, 0.5}), t = tensor({1.0, 0.0});
  EXPECT_THROW(binary_cross_entropy(x, t, Tensor(), "average"), Error);
  EXPECT_THROW(binary_cross_entropy(x, tensor({1.0})), Error);
  EXPECT_THROW(binary_cross_entropy(tensor({1.5, 0.5}), t), Error);
  EXPECT_THROW(binary_cross_entropy(x.to(kInt64), t), Error);
}
