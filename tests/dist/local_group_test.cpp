#include <gtest/gtest.h>

#include <cstdlib>

#include "keel/dist/process_group.h"
#include "keel/tensor/factories.h"

namespace {

TEST(LocalProcessGroup, IsRankZeroOfOneAndLeavesTensorsAsTheyAre) {
  auto group = keel::dist::local_group();
  EXPECT_EQ(group->rank(), 0);
  EXPECT_EQ(group->size(), 1);
  EXPECT_EQ(group->backend(), "local");
  keel::Tensor t = keel::arange(0, 4, 1, keel::kFloat32);
  group->allreduce(t, keel::dist::ReduceOp::Avg);
  group->allreduce_async(t)->wait();
  group->broadcast(t, 0);
  EXPECT_THROW(group->broadcast(t, 1), keel::Error);
  auto gathered = group->allgather(t);
  ASSERT_EQ(gathered.size(), 1u);
  EXPECT_EQ(gathered[0].data_ptr<float>()[3], 3.0f);
  EXPECT_EQ(t.data_ptr<float>()[2], 2.0f);
  EXPECT_EQ(group->allgather_bytes("abc"), std::vector<std::string>{"abc"});
}

TEST(LocalProcessGroup, WorldIsLocalWithoutALauncher) {
  if (keel::dist::launched_by_mpi()) GTEST_SKIP() << "running under mpirun";
  EXPECT_EQ(keel::dist::world()->backend(), "local");
  EXPECT_EQ(keel::dist::get_world_size(), 1);
}

}  // namespace
