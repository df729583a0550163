// Autograd through views and copies: float64 finite-difference checks.
#include <gtest/gtest.h>
#include <keel/keel.h>

#include "keel/autograd/node.h"
#include "support/gradcheck.h"
#include "tensor/tensor_test_util.h"

using namespace keel;
using keel::testing::rand_input;
using V = std::vector<Tensor>;

TEST(TensorViewGrad, Gradcheck) {
  Tensor m = rand_input({3, 4}, -1, 1, 11), c = rand_input({2, 3, 4}, -1, 1, 12);
  Tensor col = rand_input({3, 1}, -1, 1, 13), s = rand_input({3, 1, 4}, -1, 1, 14);
  EXPECT_GRADCHECK([](const V& x) { return x[0].transpose(0, 1); }, {m});
  EXPECT_GRADCHECK([](const V& x) { return x[0].t() * 2.0; }, {m});
  EXPECT_GRADCHECK([](const V& x) { return x[0].permute({2, 0, 1}); }, {c});
  EXPECT_GRADCHECK([](const V& x) { return x[0].narrow(1, 1, 2); }, {c});
  EXPECT_GRADCHECK([](const V& x) { return x[0].slice(2, 0, 4, 2); }, {c});
  EXPECT_GRADCHECK([](const V& x) { return x[0].slice(1, 1, 3); }, {m});
  EXPECT_GRADCHECK([](const V& x) { return x[0].select(0, 1); }, {c});
  EXPECT_GRADCHECK([](const V& x) { return x[0].select(-1, -2); }, {c});
  EXPECT_GRADCHECK([](const V& x) { return x[0].expand({2, 3, 4}); }, {col});
  EXPECT_GRADCHECK([](const V& x) { return x[0].unsqueeze(1); }, {m});
  EXPECT_GRADCHECK([](const V& x) { return x[0].squeeze(); }, {s});
  EXPECT_GRADCHECK([](const V& x) { return x[0].squeeze(1); }, {s});
  EXPECT_GRADCHECK([](const V& x) { return x[0].reshape({4, 3}); }, {m});
  EXPECT_GRADCHECK([](const V& x) { return x[0].transpose(0, 1).reshape({12}); }, {m});  // copying reshape
  EXPECT_GRADCHECK([](const V& x) { return x[0].view({6, 4}); }, {c});
  EXPECT_GRADCHECK([](const V& x) { return x[0].flatten(1); }, {c});
  EXPECT_GRADCHECK([](const V& x) { return x[0].clone(); }, {m});
  EXPECT_GRADCHECK([](const V& x) { return x[0].transpose(0, 1).contiguous(); }, {m});
  // A chain of views, used twice.
  EXPECT_GRADCHECK(
      [](const V& x) {
        Tensor v = x[0].transpose(0, 1).narrow(0, 1, 2).unsqueeze(0).expand({2, 2, 3});
        return v * x[0].slice(1, 0, 3).t().narrow(0, 0, 2);
      },
      {m});
}

TEST(TensorViewGrad, ToDtypeRoundTrip) {
  // Through float32 and back: a coarser step keeps finite differences above float32 rounding.
  Tensor m = rand_input({2, 3}, -1, 1, 21);
  EXPECT_GRADCHECK([](const V& x) { return (x[0].to(kFloat32) * 3.0).to(kFloat64); }, {m}, 1e-3, 1e-3, 1e-3);
  Tensor y = (m.to(kFloat32) * 2.0).sum();
  m.set_grad(Tensor());
  y.backward();
  ASSERT_TRUE(m.grad().defined());
  EXPECT_EQ(m.grad().dtype(), kFloat64);
  EXPECT_EQ(keel::testing::values_of(m.grad()), std::vector<double>(6, 2.0));
}

TEST(TensorViewGrad, ViewsRecordNames) {
  Tensor x = rand_input({2, 3});
  EXPECT_STREQ(x.transpose(0, 1).grad_fn()->name(), "TransposeBackward0");
  EXPECT_STREQ(x.view({6}).grad_fn()->name(), "ViewBackward0");
  EXPECT_STREQ(x.select(0, 1).grad_fn()->name(), "SelectBackward0");
  EXPECT_STREQ(x.expand({4, 2, 3}).grad_fn()->name(), "ExpandBackward0");
  EXPECT_FALSE(x.detach().requires_grad());
  NoGradGuard g;
  EXPECT_FALSE(x.transpose(0, 1).requires_grad());
}
