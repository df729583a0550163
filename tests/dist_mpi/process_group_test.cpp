// keel::dist's MPI process group, run by CTest as `mpirun -np 2 keel_dist_tests`: every
// collective on both ranks, with the values each rank must see.
#include "keel/dist/process_group.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "keel/tensor/factories.h"

namespace {

using keel::dist::ReduceOp;

std::shared_ptr<keel::dist::ProcessGroup> group() {
  auto g = keel::dist::world();
  EXPECT_EQ(g->backend(), "mpi") << "keel_dist_tests must run under mpirun -np 2";
  EXPECT_EQ(g->size(), 2);
  return g;
}

TEST(MpiProcessGroup, IsTheWorldOfTwoRanks) {
  auto g = group();
  EXPECT_TRUE(keel::dist::launched_by_mpi());
  EXPECT_TRUE(g->rank() == 0 || g->rank() == 1);
  EXPECT_EQ(keel::dist::get_world_size(), 2);
  EXPECT_EQ(keel::dist::world().get(), g.get());  // one group per process
  // Each rank sees the other's rank: the group really spans two processes.
  auto ranks = g->allgather(keel::full({1}, static_cast<double>(g->rank()), keel::kInt64));
  ASSERT_EQ(ranks.size(), 2u);
  EXPECT_EQ(ranks[0].data_ptr<std::int64_t>()[0], 0);
  EXPECT_EQ(ranks[1].data_ptr<std::int64_t>()[0], 1);
}

TEST(MpiProcessGroup, AllreduceFloat32SumMaxMin) {
  auto g = group();
  const float mine = g->rank() == 0 ? 1.5f : -4.0f;
  using Case = std::pair<ReduceOp, float>;
  for (auto [op, want] :
       {Case{ReduceOp::Sum, -2.5f}, Case{ReduceOp::Max, 1.5f}, Case{ReduceOp::Min, -4.0f}}) {
    keel::Tensor t = keel::full({3, 4}, mine, keel::kFloat32);
    g->allreduce(t, op);
    for (int i = 0; i < 12; ++i) EXPECT_EQ(t.data_ptr<float>()[i], want);
  }
}

TEST(MpiProcessGroup, AllreduceFloat64Avg) {
  auto g = group();
  keel::Tensor t = keel::arange(0, 5, 1, keel::kFloat64);
  if (g->rank() == 1) t = t * 3.0 + 1.0;  // rank 0: i, rank 1: 3i + 1, mean 2i + 0.5
  g->allreduce(t, ReduceOp::Avg);
  for (int i = 0; i < 5; ++i) EXPECT_DOUBLE_EQ(t.data_ptr<double>()[i], 2.0 * i + 0.5);
}

TEST(MpiProcessGroup, AllreduceInt64) {
  auto g = group();
  const std::int64_t big = std::int64_t{1} << 40;  // beyond int32 and float32's exact range
  keel::Tensor t = keel::full({2}, static_cast<double>(g->rank() == 0 ? big + 1 : 6), keel::kInt64);
  g->allreduce(t, ReduceOp::Sum);
  EXPECT_EQ(t.data_ptr<std::int64_t>()[0], big + 7);
  keel::Tensor m = keel::full({1}, static_cast<double>(g->rank() == 0 ? 7 : 2), keel::kInt64);
  g->allreduce(m, ReduceOp::Avg);
  EXPECT_EQ(m.data_ptr<std::int64_t>()[0], 4);  // 9 / 2, truncated
  keel::Tensor lo = keel::full({1}, static_cast<double>(g->rank() == 0 ? -big : 3), keel::kInt64);
  g->allreduce(lo, ReduceOp::Min);
  EXPECT_EQ(lo.data_ptr<std::int64_t>()[0], -big);
}

TEST(MpiProcessGroup, AllgatherInRankOrder) {
  auto g = group();
  keel::Tensor t =
      keel::arange(0, 6, 1, keel::kFloat32).reshape({2, 3}) + static_cast<double>(10 * g->rank());
  auto all = g->allgather(t);
  ASSERT_EQ(all.size(), 2u);
  for (int r = 0; r < 2; ++r) {
    EXPECT_EQ(all[r].sizes(), (keel::Dims{2, 3}));
    for (int i = 0; i < 6; ++i) EXPECT_EQ(all[r].data_ptr<float>()[i], static_cast<float>(10 * r + i));
  }
}

TEST(MpiProcessGroup, BroadcastFromEitherRoot) {
  auto g = group();
  for (int root = 0; root < 2; ++root) {
    keel::Tensor t = keel::full({4}, static_cast<double>(100 + g->rank()), keel::kFloat64);
    g->broadcast(t, root);
    for (int i = 0; i < 4; ++i) EXPECT_EQ(t.data_ptr<double>()[i], 100.0 + root);
  }
  keel::Tensor t = keel::zeros({1});
  EXPECT_THROW(g->broadcast(t, 2), keel::Error);
  g->barrier();
}

// Bool tensors (DDP broadcasts a module's bool buffers) are copied as MPI's C bool.
TEST(MpiProcessGroup, BroadcastsAndGathersBoolTensors) {
  auto g = group();
  keel::Tensor flags = keel::zeros({3}, keel::kBool);
  for (int i = 0; i < 3; ++i) flags.data_ptr<bool>()[i] = (i + g->rank()) % 2 == 0;
  const std::vector<keel::Tensor> all = g->allgather(flags);
  ASSERT_EQ(all.size(), 2u);
  for (int r = 0; r < 2; ++r)
    for (int i = 0; i < 3; ++i) EXPECT_EQ(all[r].data_ptr<bool>()[i], (i + r) % 2 == 0);
  g->broadcast(flags, 0);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(flags.data_ptr<bool>()[i], i % 2 == 0);
}

TEST(MpiProcessGroup, AllgatherBytesOfDifferentLengths) {
  auto g = group();
  const std::vector<std::string> sent{std::string("rank zero\0with a NUL", 20), ""};
  auto all = g->allgather_bytes(sent[g->rank()]);
  EXPECT_EQ(all, sent);
  auto again = g->allgather_bytes(g->rank() == 0 ? std::string(100000, 'x') : "y");
  ASSERT_EQ(again.size(), 2u);
  EXPECT_EQ(again[0], std::string(100000, 'x'));
  EXPECT_EQ(again[1], "y");
}

TEST(MpiProcessGroup, AsyncCollectivesCompleteInStartOrder) {
  auto g = group();
  std::vector<keel::Tensor> tensors;
  std::vector<std::shared_ptr<keel::dist::Work>> works;
  for (int i = 0; i < 8; ++i) {
    // Big and small alternately, so a later small one would overtake if order were not kept.
    tensors.push_back(
        keel::full({i % 2 == 0 ? 1 << 18 : 1}, static_cast<double>(i + g->rank()), keel::kFloat32));
  }
  for (auto& t : tensors) works.push_back(g->allreduce_async(t, ReduceOp::Sum));
  works.back()->wait();
  for (auto& w : works) EXPECT_TRUE(w->is_completed()) << "a later collective finished before an earlier one";
  for (int i = 7; i >= 0; --i) {
    works[i]->wait();
    EXPECT_EQ(tensors[i].data_ptr<float>()[0], static_cast<float>(2 * i + 1));
    EXPECT_EQ(tensors[i].data_ptr<float>()[tensors[i].numel() - 1], static_cast<float>(2 * i + 1));
  }
  // A blocking collective started after async ones runs after them too.
  keel::Tensor a = keel::full({1 << 16}, 1.0);
  auto w = g->allreduce_async(a, ReduceOp::Sum);
  g->barrier();
  EXPECT_TRUE(w->is_completed());
  EXPECT_EQ(a.data_ptr<float>()[0], 2.0f);
}

TEST(MpiProcessGroup, RejectsWhatMpiCannotReduce) {
  auto g = group();
  keel::Tensor strided = keel::zeros({4, 4}).transpose(0, 1);
  EXPECT_THROW(g->allreduce(strided), keel::Error);
  keel::Tensor flags = keel::zeros({2}, keel::kBool);
  EXPECT_THROW(g->allreduce_async(flags), keel::Error);
  keel::Tensor none;
  EXPECT_THROW(g->broadcast(none, 0), keel::Error);
  g->barrier();  // both ranks threw locally and are still in step
}

}  // namespace
