// The test-only thread process group (tests/support/thread_process_group.h): its collectives
// give what MPI's would, and a failing rank releases the others with an error, never a hang.
#include "support/thread_process_group.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>

#include "keel/core/error.h"
#include "keel/tensor/factories.h"

namespace {

using keel::Tensor;
using keel::dist::ReduceOp;
using Group = std::shared_ptr<keel::dist::ProcessGroup>;

TEST(ThreadProcessGroup, CollectivesCombineEveryRank) {
  std::atomic<int> done{0};
  keel::testing::run_ranks(3, [&](int rank, const Group& g) {
    EXPECT_EQ(g->rank(), rank);
    EXPECT_EQ(g->size(), 3);
    const double r = rank;
    Tensor t = keel::from_vector(std::vector<double>{r, 10.0 * r});
    g->allreduce(t, ReduceOp::Sum);
    EXPECT_EQ(t.data_ptr<double>()[1], 30.0);
    Tensor m = keel::from_vector(std::vector<double>{r, -r});
    g->allreduce(m, ReduceOp::Max);
    EXPECT_EQ(m.data_ptr<double>()[0], 2.0);
    EXPECT_EQ(m.data_ptr<double>()[1], 0.0);
    Tensor a = keel::from_vector(std::vector<double>{r});
    g->allreduce_async(a, ReduceOp::Avg)->wait();
    EXPECT_EQ(a.data_ptr<double>()[0], 1.0);
    auto all = g->allgather(keel::from_vector(std::vector<double>{r + 1}));
    ASSERT_EQ(all.size(), 3u);
    EXPECT_EQ(all[2].data_ptr<double>()[0], 3.0);
    Tensor b = keel::from_vector(std::vector<double>{r});
    g->broadcast(b, 1);
    EXPECT_EQ(b.data_ptr<double>()[0], 1.0);
    g->barrier();
    auto bytes = g->allgather_bytes(std::string(static_cast<std::size_t>(rank), 'x'));
    EXPECT_EQ(bytes[2], "xx");
    ++done;
  });
  EXPECT_EQ(done.load(), 3);
}

TEST(ThreadProcessGroup, AFailedRankReleasesTheOthersWithAnError) {
  try {
    keel::testing::run_ranks(3, [](int rank, const Group& g) {
      if (rank == 1) throw keel::Error("rank 1 broke");
      g->barrier();  // ranks 0 and 2 wait here for rank 1
    });
    FAIL() << "no error";
  } catch (const keel::Error& e) {
    EXPECT_EQ(std::string(e.what()), "rank 1 broke");  // the cause, not a waiting rank's error
  }
}

}  // namespace
