#include "keel/data/dataset.h"

#include <gtest/gtest.h>

#include <set>

#include "keel/tensor/factories.h"

namespace keel {
namespace {

using data::TensorDataset;

std::shared_ptr<TensorDataset> dataset(std::int64_t n) {
  return std::make_shared<TensorDataset>(arange(0, n, 1, kFloat32).view({n, 1}), arange(n));
}

TEST(TensorDatasetTest, RowsAndErrors) {
  auto ds = dataset(5);
  EXPECT_EQ(ds->size(), 5);
  data::Example e = ds->get(3);
  EXPECT_EQ(e.data.sizes(), Dims({1}));
  EXPECT_EQ(e.data.item<float>(), 3.f);
  EXPECT_EQ(e.target.item<std::int64_t>(), 3);
  EXPECT_THROW(ds->get(5), Error);
  EXPECT_THROW(ds->get(-1), Error);
  EXPECT_THROW(TensorDataset(zeros({3, 2}), zeros({4})), Error);
  EXPECT_THROW(TensorDataset(scalar_tensor(1), zeros({1})), Error);
  // Non-contiguous inputs are made contiguous.
  TensorDataset t(arange(0, 6, 1, kFloat32).view({2, 3}).t(), arange(3));
  EXPECT_EQ(t.get(1).data.data_ptr<float>()[1], 4.f);
}

TEST(SubsetTest, MapsIndices) {
  auto ds = dataset(10);
  data::Subset s(ds, {9, 2, 2});
  EXPECT_EQ(s.size(), 3);
  EXPECT_EQ(s.get(0).target.item<std::int64_t>(), 9);
  EXPECT_EQ(s.get(2).target.item<std::int64_t>(), 2);
  EXPECT_THROW(s.get(3), Error);
  EXPECT_THROW(data::Subset(ds, {10}), Error);
}

TEST(RandomSplitTest, DisjointCoveringAndSeeded) {
  auto ds = dataset(100);
  auto a = data::random_split(ds, {70, 20, 10}, 5);
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a[0]->size(), 70);
  EXPECT_EQ(a[2]->size(), 10);
  std::set<std::int64_t> all;
  for (const auto& s : a) all.insert(s->indices().begin(), s->indices().end());
  EXPECT_EQ(all.size(), 100u);
  auto b = data::random_split(ds, {70, 20, 10}, 5);
  auto c = data::random_split(ds, {70, 20, 10}, 6);
  EXPECT_EQ(a[1]->indices(), b[1]->indices());
  EXPECT_NE(a[1]->indices(), c[1]->indices());
  try {
    data::random_split(ds, {70, 20}, 5);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(
                  "sum of input lengths (90) does not equal the length of the input dataset (100)"),
              std::string::npos);
  }
  EXPECT_THROW(data::random_split(ds, {110, -10}, 5), Error);
}

}  // namespace
}  // namespace keel
