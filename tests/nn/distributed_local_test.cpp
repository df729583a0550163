// DistributedDataParallel over a group of one process (what keel runs without mpirun): a
// transparent wrapper whose keys carry the "module." prefix. The 2-rank behaviour is tested
// under mpirun in tests/dist_mpi.
#include <gtest/gtest.h>

#include <memory>

#include "keel/dist/process_group.h"
#include "keel/nn/activation.h"
#include "keel/nn/container.h"
#include "keel/nn/linear.h"
#include "keel/nn/parallel/distributed.h"
#include "keel/ops/loss.h"
#include "keel/tensor/factories.h"
#include "keel/tensor/random.h"

namespace {

using namespace keel;
using nn::parallel::DistributedDataParallel;

std::shared_ptr<nn::Sequential> small_mlp() {
  return std::make_shared<nn::Sequential>(std::initializer_list<std::shared_ptr<nn::Module>>{
      std::make_shared<nn::Linear>(4, 5), std::make_shared<nn::ReLU>(), std::make_shared<nn::Linear>(5, 2)});
}

TEST(DistributedDataParallelLocal, IsTheModuleItselfInOneProcess) {
  manual_seed(3);
  auto plain = small_mlp();
  manual_seed(3);
  auto inner = small_mlp();
  DistributedDataParallel ddp(inner, dist::local_group());
  EXPECT_EQ(ddp.module(), inner);
  ASSERT_EQ(ddp.state_dict().size(), inner->state_dict().size());
  EXPECT_EQ(ddp.state_dict()[2].first, "module.2.weight");

  Tensor x = randn({3, 4});
  Tensor y = randint(0, 2, {3});
  ops::cross_entropy(plain->forward(x), y).backward();
  ops::cross_entropy(ddp.forward(x), y).backward();
  auto want = plain->parameters();
  auto got = ddp.parameters();
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t k = 0; k < got.size(); ++k) {
    EXPECT_EQ((got[k].grad() - want[k].grad()).abs().max().item(), 0.0) << "parameter " << k;
  }
  EXPECT_EQ(ddp.stats().syncs, 0);  // nothing to average over
}

TEST(DistributedDataParallelLocal, NoSyncGuardsNestAndRestore) {
  DistributedDataParallel ddp(small_mlp(), dist::local_group());
  EXPECT_TRUE(ddp.require_backward_grad_sync());
  {
    auto outer = ddp.no_sync();
    EXPECT_FALSE(ddp.require_backward_grad_sync());
    {
      auto inner = ddp.no_sync();
      EXPECT_FALSE(ddp.require_backward_grad_sync());
    }
    EXPECT_FALSE(ddp.require_backward_grad_sync());
  }
  EXPECT_TRUE(ddp.require_backward_grad_sync());
}

TEST(DistributedDataParallelLocal, HooksOfADestroyedWrapperDoNothing) {
  auto inner = small_mlp();
  { DistributedDataParallel ddp(inner, dist::local_group()); }
  ops::cross_entropy(inner->forward(randn({2, 4})), randint(0, 2, {2})).backward();
  EXPECT_TRUE(inner->parameters()[0].grad().defined());
}

TEST(DistributedDataParallelLocal, RejectsANullModuleAndABadBucketSize) {
  EXPECT_THROW(DistributedDataParallel(nullptr, dist::local_group()), Error);
  EXPECT_THROW(DistributedDataParallel(small_mlp(), dist::local_group(), {true, 0.0}), Error);
}

}  // namespace
