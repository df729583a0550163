// Views share storage with their base; copies and conversions do not; errors name the op.
#include <gtest/gtest.h>
#include <keel/keel.h>

#include "tensor/tensor_test_util.h"

using namespace keel;
using keel::testing::element;
using keel::testing::expect_error;
using keel::testing::values_of;

namespace {
// 0, 1, ..., 23 as float32 in shape [2, 3, 4].
Tensor base24() { return arange(24).to(kFloat32).view({2, 3, 4}); }
}  // namespace

TEST(TensorViews, ViewAndReshapeShareStorage) {
  Tensor b = base24();
  Tensor v = b.view({6, 4});
  EXPECT_TRUE(v.shares_storage(b));
  element(v, {5, 3}).fill_(-1);
  EXPECT_EQ(element(b, {1, 2, 3}).item(), -1.0);
  Tensor r = b.reshape({4, -1});
  EXPECT_EQ(r.sizes(), (Dims{4, 6}));
  EXPECT_TRUE(r.shares_storage(b));
  element(r, {0, 1}).fill_(-5);
  EXPECT_EQ(element(b, {0, 0, 1}).item(), -5.0);
  Tensor f = b.flatten();
  EXPECT_EQ(f.sizes(), (Dims{24}));
  EXPECT_TRUE(f.shares_storage(b));
  EXPECT_EQ(b.flatten(1).sizes(), (Dims{2, 12}));
  EXPECT_EQ(b.flatten(0, 1).sizes(), (Dims{6, 4}));
}

TEST(TensorViews, TransposePermuteShareStorage) {
  Tensor b = base24();
  Tensor t = b.transpose(0, 2);
  EXPECT_EQ(t.sizes(), (Dims{4, 3, 2}));
  EXPECT_EQ(t.strides(), (Dims{1, 4, 12}));
  EXPECT_FALSE(t.is_contiguous());
  EXPECT_EQ(element(t, {3, 1, 0}).item(), element(b, {0, 1, 3}).item());
  element(t, {3, 1, 0}).fill_(-2);
  EXPECT_EQ(element(b, {0, 1, 3}).item(), -2.0);

  Tensor p = b.permute({2, 0, 1});
  EXPECT_EQ(p.sizes(), (Dims{4, 2, 3}));
  element(p, {1, 1, 2}).fill_(-3);
  EXPECT_EQ(element(b, {1, 2, 1}).item(), -3.0);
  EXPECT_EQ(b.permute({-1, 0, 1}).sizes(), (Dims{4, 2, 3}));

  Tensor m = tensor({{1, 2, 3}, {4, 5, 6}});
  EXPECT_EQ(m.t().sizes(), (Dims{3, 2}));
  EXPECT_EQ(values_of(m.t()), (std::vector<double>{1, 4, 2, 5, 3, 6}));
}

TEST(TensorViews, NarrowSliceSelectShareStorage) {
  Tensor b = base24();
  Tensor n = b.narrow(1, 1, 2);
  EXPECT_EQ(n.sizes(), (Dims{2, 2, 4}));
  EXPECT_EQ(n.storage_offset(), 4);
  element(n, {1, 0, 3}).fill_(-1);
  EXPECT_EQ(element(b, {1, 1, 3}).item(), -1.0);

  Tensor s = b.slice(2, 1, 4, 2);  // columns 1 and 3
  EXPECT_EQ(s.sizes(), (Dims{2, 3, 2}));
  EXPECT_EQ(s.stride(2), 2);
  EXPECT_EQ(values_of(s.select(0, 0).select(0, 0)), (std::vector<double>{1, 3}));
  element(s, {0, 2, 1}).fill_(-7);
  EXPECT_EQ(element(b, {0, 2, 3}).item(), -7.0);
  EXPECT_EQ(b.slice(0, -1, 2).sizes(), (Dims{1, 3, 4}));
  EXPECT_EQ(b.slice(2, 0, 100, 3).sizes(), (Dims{2, 3, 2}));  // end clamps

  Tensor sel = b.select(1, 2);
  EXPECT_EQ(sel.sizes(), (Dims{2, 4}));
  element(sel, {1, 0}).fill_(-9);
  EXPECT_EQ(element(b, {1, 2, 0}).item(), -9.0);
  EXPECT_EQ(b.select(-1, -1).sizes(), (Dims{2, 3}));
  EXPECT_EQ(b[1].sizes(), (Dims{3, 4}));
}

TEST(TensorViews, SqueezeUnsqueezeExpandShareStorage) {
  Tensor b = base24();
  Tensor u = b.unsqueeze(1);
  EXPECT_EQ(u.sizes(), (Dims{2, 1, 3, 4}));
  element(u, {1, 0, 2, 2}).fill_(-4);
  EXPECT_EQ(element(b, {1, 2, 2}).item(), -4.0);
  EXPECT_EQ(b.unsqueeze(-1).sizes(), (Dims{2, 3, 4, 1}));
  Tensor sq = u.squeeze();
  EXPECT_EQ(sq.sizes(), (Dims{2, 3, 4}));
  EXPECT_TRUE(sq.shares_storage(b));
  EXPECT_EQ(u.squeeze(1).sizes(), (Dims{2, 3, 4}));
  EXPECT_EQ(u.squeeze(0).sizes(), (Dims{2, 1, 3, 4}));  // not size 1: unchanged

  Tensor c = tensor({1, 2, 3}).view({3, 1});
  Tensor e = c.expand({2, 3, 4});
  EXPECT_EQ(e.sizes(), (Dims{2, 3, 4}));
  EXPECT_EQ(e.strides(), (Dims{0, 1, 0}));
  element(c, {1, 0}).fill_(9);
  EXPECT_EQ(values_of(e.select(0, 1).select(0, 1)), std::vector<double>(4, 9.0));
  EXPECT_EQ(c.expand({-1, 2}).sizes(), (Dims{3, 2}));
  EXPECT_EQ(c.expand_as(zeros({3, 5})).sizes(), (Dims{3, 5}));
}

TEST(TensorViews, ReshapeCopiesOnlyWhenItMust) {
  Tensor b = base24();
  Tensor t = b.transpose(0, 1);  // [3, 2, 4], not viewable as [24]
  Tensor r = t.reshape({24});
  EXPECT_FALSE(r.shares_storage(b));
  EXPECT_EQ(values_of(r), values_of(t));
  // Merging dims 1 and 2 of the transpose needs a copy too.
  Tensor r2 = t.reshape({3, 8});
  EXPECT_FALSE(r2.shares_storage(b));
  Tensor r3 = b.transpose(1, 2).reshape({2, 12});
  EXPECT_FALSE(r3.shares_storage(b));
  Tensor r4 = t.reshape({3, 2, 2, 2});  // splits the contiguous last dim: a view
  EXPECT_TRUE(r4.shares_storage(b));
  EXPECT_FALSE(t.flatten().shares_storage(b));
}

TEST(TensorViews, ContiguousCloneDetach) {
  Tensor b = base24();
  EXPECT_TRUE(b.contiguous().is_same(b));
  Tensor t = b.transpose(0, 2);
  Tensor c = t.contiguous();
  EXPECT_TRUE(c.is_contiguous());
  EXPECT_FALSE(c.shares_storage(b));
  EXPECT_EQ(values_of(c), values_of(t));

  Tensor cl = b.clone();
  EXPECT_FALSE(cl.shares_storage(b));
  element(cl, {0, 0, 0}).fill_(100);
  EXPECT_EQ(element(b, {0, 0, 0}).item(), 0.0);

  Tensor x = ones({2}).requires_grad_();
  Tensor d = (x * 2.0).detach();
  EXPECT_FALSE(d.requires_grad());
  EXPECT_TRUE(d.is_leaf());
  Tensor dx = x.detach();
  EXPECT_TRUE(dx.shares_storage(x));
  element(dx, {1}).fill_(5);
  EXPECT_EQ(element(x, {1}).item(), 5.0);
}

TEST(TensorConvert, ToDtype) {
  Tensor f = tensor({1.7, -2.7, 0.0, 3.0});
  EXPECT_TRUE(f.to(kFloat32).is_same(f));
  Tensor i = f.to(kInt64);
  EXPECT_EQ(i.dtype(), kInt64);
  EXPECT_EQ(values_of(i), (std::vector<double>{1, -2, 0, 3}));  // truncation, like PyTorch
  Tensor bl = f.to(kBool);
  EXPECT_EQ(values_of(bl), (std::vector<double>{1, 1, 0, 1}));
  EXPECT_EQ(values_of(bl.to(kFloat32)), (std::vector<double>{1, 1, 0, 1}));
  Tensor d = tensor({0.1}, kFloat64);
  EXPECT_EQ(d.to(kFloat32).item(), static_cast<double>(0.1f));
  EXPECT_EQ(f.to_double().dtype(), kFloat64);
  EXPECT_EQ(i.to_float().dtype(), kFloat32);
  // A non-contiguous source converts in logical order.
  Tensor m = tensor({{1, 2}, {3, 4}}).t().to(kInt64);
  EXPECT_EQ(values_of(m), (std::vector<double>{1, 3, 2, 4}));
}

TEST(TensorConvert, ItemAndDataPtr) {
  EXPECT_EQ(tensor({2.5}).item(), 2.5);
  EXPECT_EQ(scalar_tensor(7, kInt64).item<std::int64_t>(), 7);
  EXPECT_EQ(full({1, 1}, 4.0).item<float>(), 4.0f);
  expect_error([] { tensor({1, 2}).item(); }, {"item", "2 elements", "[2]"});
  Tensor f = zeros({2});
  EXPECT_NE(f.data_ptr<float>(), nullptr);
  expect_error([&] { f.data_ptr<double>(); }, {"data_ptr", "float64", "float32"});
  expect_error([&] { f.data_ptr<std::int64_t>(); }, {"data_ptr", "int64"});
}

TEST(TensorViews, UpToEightDims) {
  Tensor t = zeros({1, 2, 1, 2, 1, 2, 1, 2});
  EXPECT_EQ(t.dim(), 8);
  EXPECT_EQ(t.permute({7, 6, 5, 4, 3, 2, 1, 0}).sizes(), (Dims{2, 1, 2, 1, 2, 1, 2, 1}));
  EXPECT_EQ(t.squeeze().dim(), 4);
  expect_error([] { zeros({1, 1, 1, 1, 1, 1, 1, 1, 1}); }, {"at most 8 dimensions", "9"});
  expect_error([&] { t.unsqueeze(0); }, {"at most 8 dimensions"});
  expect_error([&] { t.view(std::vector<std::int64_t>(9, 1)); }, {"at most 8 dimensions"});
}

TEST(TensorViews, ErrorsNameOpAndShapes) {
  Tensor b = base24();
  expect_error([&] { b.transpose(0, 1).view({24}); }, {"view", "[3, 2, 4]", "[24]", "reshape"});
  expect_error([&] { b.view({5, -1}); }, {"view", "[5, -1]", "24"});
  expect_error([&] { b.view({-1, -1}); }, {"view", "only one dimension can be inferred"});
  expect_error([&] { b.narrow(2, 3, 2); }, {"narrow", "start (3) + length (2)", "(4)", "[2, 3, 4]"});
  expect_error([&] { b.narrow(5, 0, 1); }, {"narrow"});
  expect_error([&] { b.select(1, 3); }, {"select", "index 3", "dimension 1", "size 3"});
  expect_error([&] { b.select(0, -3); }, {"select", "-3"});
  expect_error([&] { b.permute({0, 0, 1}); }, {"permute", "repeats", "[0, 0, 1]"});
  expect_error([&] { b.permute({0, 1}); }, {"permute", "[0, 1]", "[2, 3, 4]"});
  expect_error([&] { tensor({1, 2, 3}).expand({2, 4}); }, {"expand", "(4)", "(3)", "[2, 4]", "[3]"});
  expect_error([&] { b.expand({3, 4}); }, {"expand", "(2)", "(3)"});
  expect_error([&] { b.slice(1, 0, 2, 0); }, {"slice", "step"});
  expect_error([&] { b.transpose(0, 3); }, {"transpose"});
  expect_error([&] { b.t(); }, {"t", "3-D", "[2, 3, 4]"});
  expect_error([&] { b.flatten(2, 0); }, {"flatten"});
  expect_error([&] { Tensor().dim(); }, {"undefined tensor"});
}
