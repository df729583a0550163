// nn::SyncBatchNorm: training over several ranks (threads of one process) as BatchNorm over the
// global batch, BatchNorm exactly in one process, PyTorch's state_dict keys and repr; and
// SyncBatchNorm::convert_sync_batchnorm.
#include <gtest/gtest.h>
#include <keel/autograd/node.h>
#include <keel/dist/process_group.h>
#include <keel/keel.h>
#include <keel/nn/sync_batch_norm.h>

#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "support/gradcheck.h"
#include "support/tensor_near.h"
#include "support/thread_process_group.h"

using namespace keel;
using keel::testing::leaf;
using keel::testing::max_abs_diff;
using keel::testing::near;
using keel::testing::rand_input;
using keel::testing::run_ranks;
using Group = std::shared_ptr<dist::ProcessGroup>;

namespace {

// ---- nn::SyncBatchNorm ------------------------------------------------------------------------

// Three training steps over 3 ranks (batches 3, 5, 2), then eval: running statistics,
// num_batches_tracked and the eval output equal BatchNorm's over the concatenated batches.
TEST(SyncBatchNormModule, TrainsLikeBatchNormOverTheGlobalBatch) {
  for (std::optional<double> momentum : {std::optional<double>(0.1), std::optional<double>()}) {
    SCOPED_TRACE(momentum ? "momentum 0.1" : "momentum None");
    const std::vector<std::int64_t> splits{3, 5, 2}, start{0, 3, 8};
    std::vector<Tensor> xs;
    for (int step = 0; step < 3; ++step)
      xs.push_back(rand_input({10, 3, 2, 2}, -2.0, 3.0, 20 + step).detach());
    nn::BatchNorm2d ref(3, 1e-5, momentum, true, true, kFloat64);
    for (const Tensor& x : xs) ref(x);
    ref.eval();
    const Tensor ref_eval = ref(xs[0]);

    std::vector<std::shared_ptr<nn::SyncBatchNorm>> mods(3);
    std::vector<Tensor> evals(3);
    run_ranks(3, [&](int rank, const Group& group) {
      const auto r = static_cast<std::size_t>(rank);
      auto m = std::make_shared<nn::SyncBatchNorm>(3, 1e-5, momentum, true, true, group, kFloat64);
      for (const Tensor& x : xs) (*m)(x.narrow(0, start[r], splits[r]));
      m->eval();
      evals[r] = (*m)(xs[0]);
      mods[r] = m;
    });
    for (const auto& m : mods) {
      EXPECT_TRUE(near(m->running_mean, ref.running_mean, 1e-13));
      EXPECT_TRUE(near(m->running_var, ref.running_var, 1e-13));
      EXPECT_EQ(m->num_batches_tracked.item<std::int64_t>(), 3);
    }
    for (const Tensor& e : evals) EXPECT_TRUE(near(e, ref_eval, 1e-12));
  }
}

TEST(SyncBatchNormModule, InOneProcessIsBatchNormExactly) {
  const Tensor x = rand_input({4, 3, 5}, -2.0, 2.0, 30).detach();
  nn::BatchNorm1d bn(3, 1e-5, 0.1, true, true, kFloat64);
  nn::SyncBatchNorm sync(3, 1e-5, 0.1, true, true, dist::local_group(), kFloat64);
  Tensor xa = leaf(x), xb = leaf(x);
  Tensor ya = bn(xa), yb = sync(xb);
  EXPECT_EQ(max_abs_diff(ya, yb), 0.0);
  EXPECT_EQ(std::string(yb.grad_fn()->name()), "NativeBatchNormBackward0");  // as PyTorch's, unsynced
  ya.sum().backward();
  yb.sum().backward();
  EXPECT_EQ(max_abs_diff(xa.grad(), xb.grad()), 0.0);
  EXPECT_EQ(max_abs_diff(bn.running_var, sync.running_var), 0.0);
  // A 3-d input of any rank >= 2 is accepted; a 1-d one is not.
  EXPECT_NO_THROW(sync(rand_input({2, 3, 2, 2, 2}, -1.0, 1.0, 2).detach()));
  EXPECT_THROW(sync(rand_input({3}, -1.0, 1.0, 2).detach()), Error);
  EXPECT_THROW(sync(rand_input({2, 4}, -1.0, 1.0, 2).detach()), Error);
}

// PyTorch's state_dict keys and repr (tests/golden/gen_sync_batch_norm.py).
TEST(SyncBatchNormModule, HasPyTorchsStateDictKeysAndRepr) {
  std::ifstream in(std::string(KEEL_GOLDEN_DIR) + "/sync_batch_norm_modules.json");
  ASSERT_TRUE(in) << "missing sync_batch_norm_modules.json";
  const nlohmann::json modules = nlohmann::json::parse(in).at("modules");
  const std::vector<std::pair<std::string, std::shared_ptr<nn::Module>>> made{
      {"SyncBatchNorm", std::make_shared<nn::SyncBatchNorm>(3)},
      {"SyncBatchNorm_options", std::make_shared<nn::SyncBatchNorm>(4, 1e-3, std::nullopt, false)}};
  for (const auto& [name, m] : made) {
    SCOPED_TRACE(name);
    std::vector<std::string> keys;
    for (const auto& [k, v] : m->state_dict()) keys.push_back(k);
    EXPECT_EQ(keys, modules.at(name).at("keys").get<std::vector<std::string>>());
    std::ostringstream os;
    os << *m;
    EXPECT_EQ(os.str(), modules.at(name).at("repr").get<std::string>());
  }
}

// ---- convert_sync_batchnorm -------------------------------------------------------------------

TEST(ConvertSyncBatchNorm, ReplacesEveryBatchNormInNestedContainers) {
  auto inner = std::make_shared<nn::Sequential>(std::initializer_list<std::shared_ptr<nn::Module>>{
      std::make_shared<nn::Conv2d>(2, 3, 3, 1, 1), std::make_shared<nn::BatchNorm2d>(3, 1e-3, std::nullopt),
      std::make_shared<nn::ReLU>()});
  auto bn1 = std::make_shared<nn::BatchNorm1d>(4, 1e-5, 0.3, true, true);
  auto list = std::make_shared<nn::ModuleList>(std::initializer_list<std::shared_ptr<nn::Module>>{bn1});
  auto root =
      std::make_shared<nn::Sequential>(std::initializer_list<std::shared_ptr<nn::Module>>{inner, list});
  {
    NoGradGuard no_grad;
    bn1->weight.fill_(2.0);
    bn1->running_mean.fill_(0.5);
    bn1->num_batches_tracked.fill_(7.0);
  }
  root->eval();
  const Tensor x = rand_input({2, 2, 4, 4}, -1.0, 1.0, 3).detach().to(kFloat32);
  const Tensor before = (*inner)(x);
  std::vector<std::string> keys_before;
  for (const auto& [k, v] : root->state_dict()) keys_before.push_back(k);

  auto group = dist::local_group();
  auto out = nn::SyncBatchNorm::convert_sync_batchnorm(root, group);
  EXPECT_EQ(out, root);  // the root is not a BatchNorm: changed in place
  auto s2 = std::dynamic_pointer_cast<nn::SyncBatchNorm>((*inner)[1]);
  ASSERT_NE(s2, nullptr) << "the Sequential runs the replacement";
  EXPECT_EQ(inner->named_children()[1].second, s2);
  auto s1 = std::dynamic_pointer_cast<nn::SyncBatchNorm>((*list)[0]);
  ASSERT_NE(s1, nullptr);
  EXPECT_EQ(s2->eps, 1e-3);
  EXPECT_FALSE(s2->momentum.has_value());
  EXPECT_EQ(s1->momentum.value(), 0.3);
  EXPECT_FALSE(s1->is_training());
  EXPECT_EQ(s1->process_group, group);
  // The same tensors as PyTorch's: values and identity.
  EXPECT_EQ(s1->weight.data_ptr<float>(), bn1->weight.data_ptr<float>());
  EXPECT_EQ(s1->weight.data_ptr<float>()[0], 2.0f);
  EXPECT_EQ(s1->running_mean.data_ptr<float>()[3], 0.5f);
  EXPECT_EQ(s1->num_batches_tracked.item<std::int64_t>(), 7);
  std::vector<std::string> keys_after;
  for (const auto& [k, v] : root->state_dict()) keys_after.push_back(k);
  EXPECT_EQ(keys_after, keys_before);
  // Eval mode, the same statistics (the BatchNorm ran fused with the ReLU, this one does not).
  EXPECT_TRUE(near((*inner)(x), before, 1e-6));
}

TEST(ConvertSyncBatchNorm, ReturnsANewRootForABatchNorm) {
  auto bn = std::make_shared<nn::BatchNorm2d>(3, 1e-5, 0.1, false, true);
  auto group = dist::local_group();
  auto out = nn::SyncBatchNorm::convert_sync_batchnorm(bn, group);
  auto sync = std::dynamic_pointer_cast<nn::SyncBatchNorm>(out);
  ASSERT_NE(sync, nullptr);
  EXPECT_FALSE(sync->affine);
  EXPECT_FALSE(sync->weight.defined());
  EXPECT_EQ(sync->process_group, group);
  EXPECT_TRUE(sync->is_training());
  // A module with no BatchNorm comes back as it was.
  auto lin = std::make_shared<nn::Linear>(2, 2);
  EXPECT_EQ(nn::SyncBatchNorm::convert_sync_batchnorm(lin), lin);
}

}  // namespace
