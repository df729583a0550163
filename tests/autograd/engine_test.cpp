#include <gtest/gtest.h>
#include <keel/keel.h>

#include "keel/autograd/node.h"

using namespace keel;

TEST(Autograd, MulAddAccumulates) {
  Tensor x = tensor({1.0, 2.0, 3.0}).requires_grad_();
  Tensor y = (x * x + x).sum();
  y.backward();
  ASSERT_TRUE(x.grad().defined());
  // d/dx (x^2 + x) = 2x + 1
  EXPECT_DOUBLE_EQ(x.grad()[0].item(), 3.0);
  EXPECT_DOUBLE_EQ(x.grad()[2].item(), 7.0);
  // A second graph accumulates into the same grad.
  (x * 2.0).sum().backward();
  EXPECT_DOUBLE_EQ(x.grad()[1].item(), 7.0);
}

TEST(Autograd, BackwardTwiceIsAnError) {
  Tensor x = tensor({1.0, 2.0}).requires_grad_();
  Tensor y = (x * x).sum();
  y.backward({}, /*retain_graph=*/true);
  y.backward();
  EXPECT_THROW(y.backward(), Error);
}

TEST(Autograd, InplaceChangeOfSavedTensorIsAnError) {
  Tensor x = tensor({1.0, 2.0}).requires_grad_();
  Tensor a = x * 1.0;
  Tensor y = a * a;
  a.add_(1.0);
  try {
    y.sum().backward();
    FAIL() << "expected keel::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("inplace"), std::string::npos) << e.what();
  }
}

TEST(Autograd, InplaceOnLeafRequiringGradIsAnError) {
  Tensor x = tensor({1.0, 2.0}).requires_grad_();
  EXPECT_THROW(x.add_(1.0), Error);
  NoGradGuard guard;
  x.add_(1.0);
  EXPECT_DOUBLE_EQ(x[0].item(), 2.0);
}

TEST(Autograd, NoGradGuardRecordsNothing) {
  Tensor x = tensor({1.0}).requires_grad_();
  {
    NoGradGuard guard;
    Tensor y = x * 2.0;
    EXPECT_FALSE(y.requires_grad());
  }
  EXPECT_TRUE((x * 2.0).requires_grad());
}

TEST(Autograd, PostAccumulateGradHookSeesGradient) {
  Tensor w = tensor({1.0, 1.0}).requires_grad_();
  int calls = 0;
  double seen = 0;
  w.register_post_accumulate_grad_hook([&](Tensor& leaf) {
    ++calls;
    seen = leaf.grad()[1].item();
  });
  (w * tensor({3.0, 4.0})).sum().backward();
  EXPECT_EQ(calls, 1);
  EXPECT_DOUBLE_EQ(seen, 4.0);
}

TEST(Autograd, BackwardWithUpstreamGradient) {
  Tensor x = tensor({1.0, 2.0}).requires_grad_();
  Tensor y = x * 3.0;
  y.backward(tensor({1.0, 10.0}));
  EXPECT_DOUBLE_EQ(x.grad()[1].item(), 30.0);
  EXPECT_THROW(y.sum().backward(tensor({1.0, 2.0})), Error);
}

TEST(Autograd, BroadcastGradientIsReduced) {
  Tensor a = ones({2, 3}).requires_grad_();
  Tensor b = ones({3}).requires_grad_();
  (a * b).sum().backward();
  EXPECT_EQ(b.grad().sizes(), Dims({3}));
  EXPECT_DOUBLE_EQ(b.grad()[0].item(), 2.0);
}

TEST(Autograd, LeafReachedThroughAPathWithNoGradientStillGetsItsGradient) {
  Tensor x = tensor({1.0, 2.0}).requires_grad_();
  Tensor y = x * 2.0;
  y.fill_(1.0);  // no gradient flows through y's old history any more
  (y * x).sum().backward();
  ASSERT_TRUE(x.grad().defined());
  EXPECT_DOUBLE_EQ(x.grad()[0].item(), 1.0);
  EXPECT_DOUBLE_EQ(x.grad()[1].item(), 1.0);
}
