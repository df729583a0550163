// DistributedDataParallel on 2 ranks (mpirun -np 2 keel_dist_tests): training with per-rank
// batch B over disjoint halves ends where one process with batch 2B ends; no_sync accumulates;
// construction and forward broadcast from rank 0; bucket allreduces start inside backward.
#include "keel/nn/parallel/distributed.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "keel/autograd/engine.h"
#include "keel/autograd/grad_mode.h"
#include "keel/dist/process_group.h"
#include "keel/nn/activation.h"
#include "keel/nn/container.h"
#include "keel/nn/conv.h"
#include "keel/nn/linear.h"
#include "keel/nn/normalization.h"
#include "keel/nn/pooling.h"
#include "keel/nn/utils/clip_grad.h"
#include "keel/ops/loss.h"
#include "keel/optim/sgd.h"
#include "keel/tensor/factories.h"
#include "keel/tensor/random.h"

namespace {

using namespace keel;
using nn::parallel::DDPOptions;
using nn::parallel::DistributedDataParallel;
using ModuleList = std::initializer_list<std::shared_ptr<nn::Module>>;
using ModelFactory = std::function<std::shared_ptr<nn::Module>()>;

std::shared_ptr<dist::ProcessGroup> world2() {
  auto g = dist::world();
  EXPECT_EQ(g->size(), 2) << "keel_dist_tests must run under mpirun -np 2";
  return g;
}

std::shared_ptr<nn::Module> mlp() {
  return std::make_shared<nn::Sequential>(ModuleList{
      std::make_shared<nn::Linear>(8, 16), std::make_shared<nn::ReLU>(), std::make_shared<nn::Linear>(16, 16),
      std::make_shared<nn::ReLU>(), std::make_shared<nn::Linear>(16, 3)});
}

std::shared_ptr<nn::Module> cnn() {
  return std::make_shared<nn::Sequential>(
      ModuleList{std::make_shared<nn::Conv2d>(1, 4, 3, 1, 1), std::make_shared<nn::ReLU>(),
                 std::make_shared<nn::MaxPool2d>(2), std::make_shared<nn::Conv2d>(4, 8, 3, 1, 1),
                 std::make_shared<nn::ReLU>(), std::make_shared<nn::Flatten>(),
                 std::make_shared<nn::Linear>(8 * 4 * 4, 3)});
}

// A model seeded differently on each rank: DDP's construction must make the ranks agree.
std::shared_ptr<nn::Module> seeded(const ModelFactory& make, std::uint64_t seed) {
  manual_seed(seed);
  return make();
}

// The largest |a - b| over two parameter lists, relative to max(1, |b|).
double max_rel_diff(const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
  EXPECT_EQ(a.size(), b.size());
  double worst = 0;
  for (std::size_t k = 0; k < a.size(); ++k) {
    const float* pa = a[k].data_ptr<float>();
    const float* pb = b[k].data_ptr<float>();
    for (std::int64_t i = 0; i < a[k].numel(); ++i) {
      worst = std::max(worst, std::abs(double(pa[i]) - pb[i]) / std::max(1.0, std::abs(double(pb[i]))));
    }
  }
  return worst;
}

// True when every rank holds bitwise the same values.
bool same_on_every_rank(dist::ProcessGroup& g, const std::vector<Tensor>& tensors) {
  for (const Tensor& t : tensors) {
    auto all = g.allgather(t.contiguous());
    for (std::size_t r = 1; r < all.size(); ++r) {
      if (std::memcmp(all[r].raw_data(), all[0].raw_data(), t.numel() * t.element_size()) != 0) return false;
    }
  }
  return true;
}

// `steps` SGD(momentum) steps: DDP with per-rank batch B over the rank's half of each 2B batch
// against one process with batch 2B (same samples, same initial weights).
void expect_ddp_matches_one_process(const ModelFactory& make, const Dims& sample_shape, double bucket_cap_mb,
                                    bool grad_as_bucket_view = false) {
  auto g = world2();
  const std::int64_t B = 6, steps = 4, classes = 3;
  manual_seed(1234);  // the data: the same on every rank
  Dims data_shape{2 * B * steps};
  for (std::int64_t d : sample_shape) data_shape.push_back(d);
  Tensor x = randn(data_shape);
  Tensor y = randint(0, classes, {2 * B * steps});

  auto reference = seeded(make, 7);
  auto replica = seeded(make, 7 + 100 * g->rank());
  DistributedDataParallel ddp(replica, g, DDPOptions{true, bucket_cap_mb, grad_as_bucket_view});
  // Construction copied rank 0's weights (seed 7): the replica starts where the reference does.
  EXPECT_EQ(max_rel_diff(ddp.parameters(), reference->parameters()), 0.0);

  optim::SGDOptions options;
  options.lr = 0.1;
  options.momentum = 0.9;
  optim::SGD ref_opt(reference->parameters(), options);
  optim::SGD ddp_opt(ddp.parameters(), options);
  std::vector<const void*> grad_storage;  // where each gradient lived after the first step
  for (std::int64_t s = 0; s < steps; ++s) {
    ref_opt.zero_grad();
    ops::cross_entropy(reference->forward(x.narrow(0, 2 * B * s, 2 * B)), y.narrow(0, 2 * B * s, 2 * B))
        .backward();
    ref_opt.step();

    ddp_opt.zero_grad();
    const std::int64_t first = 2 * B * s + B * g->rank();
    ops::cross_entropy(ddp.forward(x.narrow(0, first, B)), y.narrow(0, first, B)).backward();
    ddp_opt.step();
    std::vector<const void*> now;
    for (const Tensor& p : ddp.parameters()) now.push_back(p.grad().raw_data());
    if (s == 0) grad_storage = now;
    // As bucket views the gradients stay where the first sync put them (and backward
    // accumulated into the buckets); without, they stay the optimizer's own tensors.
    EXPECT_EQ(now, grad_storage) << "step " << s;
  }
  if (grad_as_bucket_view && bucket_cap_mb >= 1) {
    // One bucket holds the small model, in reverse registration order: each gradient lies
    // right after the next parameter's.
    auto params = ddp.parameters();
    for (std::size_t k = params.size() - 1; k > 0; --k) {
      EXPECT_EQ(params[k - 1].grad().data_ptr<float>(),
                params[k].grad().data_ptr<float>() + params[k].numel())
          << "parameter " << k - 1;
    }
  }
  EXPECT_LT(max_rel_diff(ddp.parameters(), reference->parameters()), 1e-5);
  EXPECT_TRUE(same_on_every_rank(*g, ddp.parameters()));
  EXPECT_EQ(ddp.stats().syncs, steps);
  // The weights moved: a test where nothing trains would pass trivially.
  auto initial = seeded(make, 7);
  EXPECT_GT(max_rel_diff(ddp.parameters(), initial->parameters()), 1e-3);
}

TEST(DistributedDataParallel, MlpMatchesOneProcessWithTheGlobalBatch) {
  expect_ddp_matches_one_process(mlp, {8}, 25.0);
}

TEST(DistributedDataParallel, MlpWithOneBucketPerParameterMatchesToo) {
  expect_ddp_matches_one_process(mlp, {8}, 1e-9);
}

TEST(DistributedDataParallel, GradientsAsBucketViewsMatchToo) {
  expect_ddp_matches_one_process(mlp, {8}, 25.0, true);
  expect_ddp_matches_one_process(mlp, {8}, 1e-9, true);
}

// Past the first pass the buckets are rebuilt in the order the gradients arrived; gradients that
// were bucket views move to the new buckets.
TEST(DistributedDataParallel, RebuiltBucketsKeepMatchingWithGradientsAsViews) {
  const ModelFactory wide = [] {
    return std::make_shared<nn::Sequential>(
        ModuleList{std::make_shared<nn::Linear>(8, 600), std::make_shared<nn::ReLU>(),
                   std::make_shared<nn::Linear>(600, 600), std::make_shared<nn::Linear>(600, 3)});
  };
  expect_ddp_matches_one_process(wide, {8}, 0.9, /*grad_as_bucket_view=*/true);
}

TEST(DistributedDataParallel, CnnMatchesOneProcessWithTheGlobalBatch) {
  expect_ddp_matches_one_process(cnn, {1, 8, 8}, 0.001);
}

TEST(DistributedDataParallel, StateDictHasTheModulePrefixAndModuleIsTheInnerModel) {
  auto g = world2();
  auto inner = mlp();
  DistributedDataParallel ddp(inner, g);
  EXPECT_EQ(ddp.module(), inner);
  auto state = ddp.state_dict();
  ASSERT_FALSE(state.empty());
  EXPECT_EQ(state.front().first, "module.0.weight");
  EXPECT_EQ(inner->state_dict().front().first, "0.weight");
}

TEST(DistributedDataParallel, NoSyncAccumulatesLocallyThenOneSyncEqualsTheBigStep) {
  auto g = world2();
  const std::int64_t B = 5;
  manual_seed(99);
  Tensor x = randn({4 * B, 8});
  Tensor y = randint(0, 3, {4 * B});
  auto reference = seeded(mlp, 3);
  DistributedDataParallel ddp(seeded(mlp, 3 + g->rank()), g);

  // Reference: two micro-batches of 2B accumulated, one step.
  for (int m = 0; m < 2; ++m) {
    ops::cross_entropy(reference->forward(x.narrow(0, 2 * B * m, 2 * B)), y.narrow(0, 2 * B * m, 2 * B))
        .backward();
  }
  // DDP: rank r's B samples of each micro-batch; the first backward inside no_sync.
  auto micro = [&](int m) {
    const std::int64_t first = 2 * B * m + B * g->rank();
    ops::cross_entropy(ddp.forward(x.narrow(0, first, B)), y.narrow(0, first, B)).backward();
  };
  {
    auto guard = ddp.no_sync();
    EXPECT_FALSE(ddp.require_backward_grad_sync());
    micro(0);
  }
  EXPECT_TRUE(ddp.require_backward_grad_sync());
  EXPECT_EQ(ddp.stats().syncs, 0);
  std::vector<Tensor> local_grads;
  for (const Tensor& p : ddp.parameters()) local_grads.push_back(p.grad().clone());
  EXPECT_FALSE(same_on_every_rank(*g, local_grads)) << "no_sync communicated";
  micro(1);
  EXPECT_EQ(ddp.stats().syncs, 1);

  std::vector<Tensor> ddp_grads, ref_grads;
  for (const Tensor& p : ddp.parameters()) ddp_grads.push_back(p.grad());
  for (const Tensor& p : reference->parameters()) ref_grads.push_back(p.grad());
  EXPECT_LT(max_rel_diff(ddp_grads, ref_grads), 1e-5);
  EXPECT_TRUE(same_on_every_rank(*g, ddp_grads));
}

TEST(DistributedDataParallel, ABucketsAllreduceStartsBeforeBackwardEnds) {
  auto g = world2();
  auto model = mlp();
  auto first_layer = model->children().front();
  DistributedDataParallel ddp(model, g, DDPOptions{true, 1e-9});  // one bucket per parameter
  // The first layer's weight is the last gradient backward produces; when it arrives, the later
  // layers' buckets must already be on their way.
  std::int64_t started_when_first_layer_ready = -1;
  bool was_in_backward = false;
  first_layer->param("weight").register_post_accumulate_grad_hook([&](Tensor&) {
    started_when_first_layer_ready = ddp.stats().buckets_started_in_backward;
    was_in_backward = autograd::in_backward();
  });
  manual_seed(5);
  Tensor x = randn({4, 8});
  ops::cross_entropy(ddp.forward(x), randint(0, 3, {4})).backward();
  EXPECT_TRUE(was_in_backward);
  EXPECT_GE(started_when_first_layer_ready, 4);  // the two later Linears' weights and biases
  EXPECT_EQ(ddp.stats().buckets, 6);
  EXPECT_EQ(ddp.stats().buckets_started_in_backward, 6);
  EXPECT_EQ(ddp.stats().bytes, static_cast<std::int64_t>(4 * (8 * 16 + 16 + 16 * 16 + 16 + 16 * 3 + 3)));
}

TEST(DistributedDataParallel, TheFirstBucketHoldsAtMostOneMiBAsPyTorchs) {
  auto g = world2();
  // 1.4 MiB of first-layer weight: past the first bucket's 1 MiB, far below the 25 MiB cap.
  auto model = std::make_shared<nn::Sequential>(
      ModuleList{std::make_shared<nn::Linear>(600, 600), std::make_shared<nn::Linear>(600, 10)});
  DistributedDataParallel ddp(model, g);
  manual_seed(8);
  ops::cross_entropy(ddp.forward(randn({2, 600})), randint(0, 10, {2})).backward();
  EXPECT_EQ(ddp.stats().buckets, 2);  // {last layer, first bias}, {first weight}
  EXPECT_EQ(ddp.stats().buckets_started_in_backward, 2);
}

// Uses its second layer only on rank 0: on rank 1 that layer gets no gradient.
struct TwoBranches : nn::Module {
  TwoBranches() {
    a = register_module("a", std::make_shared<nn::Linear>(4, 2));
    b = register_module("b", std::make_shared<nn::Linear>(4, 2));
  }
  Tensor forward(const Tensor& x) override {
    Tensor out = a->forward(x);
    return use_b ? out + b->forward(x) : out;
  }
  std::shared_ptr<nn::Linear> a, b;
  bool use_b = true;
};

TEST(DistributedDataParallel, AnUnusedParameterCountsAsAZeroGradient) {
  auto g = world2();
  auto model = std::make_shared<TwoBranches>();
  model->use_b = g->rank() == 0;
  DistributedDataParallel ddp(model, g);
  manual_seed(11);
  Tensor x = randn({3, 4});
  ddp.forward(x).sum().backward();
  // b's gradient: rank 0's gradient (sum over the batch of x) averaged with rank 1's zeros.
  Tensor want = x.sum({0}) * 0.5;
  for (std::int64_t o = 0; o < 2; ++o) {
    for (std::int64_t i = 0; i < 4; ++i) {
      EXPECT_NEAR(model->b->weight.grad().data_ptr<float>()[o * 4 + i], want.data_ptr<float>()[i], 1e-6);
    }
  }
  EXPECT_TRUE(
      same_on_every_rank(*g, {model->a->weight.grad(), model->b->weight.grad(), model->b->bias.grad()}));
}

TEST(DistributedDataParallel, BroadcastBuffersCopiesRankZerosBuffersBeforeForward) {
  auto g = world2();
  for (bool broadcast : {true, false}) {
    // momentum 0: forward leaves the running statistics as they are, so only DDP changes them.
    auto model = std::make_shared<nn::Sequential>(
        ModuleList{std::make_shared<nn::Linear>(4, 6), std::make_shared<nn::BatchNorm1d>(6, 1e-5, 0.0)});
    DistributedDataParallel ddp(model, g, DDPOptions{broadcast, 25.0});
    Tensor& running_mean = model->children()[1]->buffer("running_mean");
    EXPECT_TRUE(same_on_every_rank(*g, {running_mean}));  // broadcast at construction
    running_mean.fill_(g->rank() == 0 ? 0.0 : 5.0);
    Tensor x = randn({4, 4});
    {
      NoGradGuard no_grad;  // PyTorch syncs buffers only ahead of a synchronizing backward
      ddp.forward(x);
      EXPECT_EQ(running_mean.data_ptr<float>()[0], g->rank() == 0 ? 0.0f : 5.0f);
    }
    ddp.forward(x);
    const float want = (broadcast || g->rank() == 0) ? 0.0f : 5.0f;
    EXPECT_EQ(running_mean.data_ptr<float>()[0], want) << "broadcast_buffers=" << broadcast;
  }
}

// A BatchNorm1d that records its running mean as each of its forwards starts: what the
// buffer sync must have made equal on every rank.
class RecordingBatchNorm final : public nn::Module {
 public:
  RecordingBatchNorm() : Module("RecordingBatchNorm") {
    bn_ = register_module("bn", std::make_shared<nn::BatchNorm1d>(6));
  }
  Tensor forward(const Tensor& x) override {
    seen.push_back(bn_->buffer("running_mean").clone());
    return bn_->forward(x);
  }
  std::vector<Tensor> seen;

 private:
  std::shared_ptr<nn::BatchNorm1d> bn_;
};

TEST(DistributedDataParallel, PostForwardBufferSyncStartsEachForwardFromRankZerosBuffers) {
  auto g = world2();
  std::vector<std::vector<Tensor>> seen_by_mode;
  for (auto mode : {nn::parallel::BufferSync::kPreForward, nn::parallel::BufferSync::kPostForward}) {
    manual_seed(5);
    auto recorder = std::make_shared<RecordingBatchNorm>();
    auto model = std::make_shared<nn::Sequential>(ModuleList{std::make_shared<nn::Linear>(4, 6), recorder});
    DDPOptions options;
    options.buffer_sync = mode;
    DistributedDataParallel ddp(model, g, options);
    manual_seed(50 + g->rank());  // each rank its own batches: the running statistics diverge
    for (int step = 0; step < 4; ++step) {
      ddp.forward(randn({5, 4}) * (1.0 + step)).pow(2).sum().backward();
      if (mode == nn::parallel::BufferSync::kPostForward && step == 0) {
        // In flight until the next forward: rank 1 still has its own statistics.
        EXPECT_FALSE(same_on_every_rank(*g, {model->children()[1]->buffers()[0]}));
      }
    }
    ASSERT_EQ(recorder->seen.size(), 4u);
    EXPECT_TRUE(same_on_every_rank(*g, recorder->seen)) << "mode " << static_cast<int>(mode);
    seen_by_mode.push_back(recorder->seen);
  }
  // Both modes start every forward from the same buffers.
  EXPECT_EQ(max_rel_diff(seen_by_mode[1], seen_by_mode[0]), 0.0);
  EXPECT_GT(max_rel_diff({seen_by_mode[0][3]}, {seen_by_mode[0][0]}), 1e-3);  // the statistics moved
}

// A module whose buffers take every dtype and the values a lossy packing would change: -0.0,
// NaN, infinities, subnormals, and int64s past 2^53.
class EveryDtypeBuffers final : public nn::Module {
 public:
  EveryDtypeBuffers() : Module("EveryDtypeBuffers") {
    linear_ = register_module("linear", std::make_shared<nn::Linear>(3, 2));
    register_buffer("f32", zeros({5}));
    register_buffer("f64", zeros({3}, kFloat64));
    register_buffer("i64", zeros({4}, kInt64));
    register_buffer("flag", zeros({2}, kBool));
  }
  Tensor forward(const Tensor& x) override { return linear_->forward(x); }
  // Rank 0's values, or other ones.
  void fill(bool rank0) {
    const float f32[5] = {-0.0f, NAN, -INFINITY, 1e-40f, 3.5f};
    const double f64[3] = {-0.0, 1e-310, -2.5};
    const std::int64_t i64[4] = {INT64_MIN, -1, (std::int64_t{1} << 62) + 3, INT64_MAX};
    const bool flag[2] = {true, false};
    for (int i = 0; i < 5; ++i) buffer("f32").data_ptr<float>()[i] = rank0 ? f32[i] : 7.0f;
    for (int i = 0; i < 3; ++i) buffer("f64").data_ptr<double>()[i] = rank0 ? f64[i] : 7.0;
    for (int i = 0; i < 4; ++i) buffer("i64").data_ptr<std::int64_t>()[i] = rank0 ? i64[i] : 7;
    for (int i = 0; i < 2; ++i) buffer("flag").data_ptr<bool>()[i] = rank0 ? flag[i] : !flag[i];
  }

 private:
  std::shared_ptr<nn::Linear> linear_;
};

TEST(DistributedDataParallel, PostForwardBufferSyncCopiesEveryDtypeBitForBit) {
  auto g = world2();
  auto model = std::make_shared<EveryDtypeBuffers>();
  DDPOptions options;
  options.buffer_sync = nn::parallel::BufferSync::kPostForward;
  DistributedDataParallel ddp(model, g, options);
  model->fill(g->rank() == 0);
  auto want = std::make_shared<EveryDtypeBuffers>();
  want->fill(true);
  ddp.forward(ones({2, 3})).sum().backward();  // starts the sync
  ddp.forward(ones({2, 3})).sum().backward();  // lands it
  for (const std::string name : {"f32", "f64", "i64", "flag"}) {
    const Tensor& got = model->buffer(name);
    const Tensor& expected = want->buffer(name);
    EXPECT_EQ(std::memcmp(got.raw_data(), expected.raw_data(),
                          static_cast<std::size_t>(got.numel()) * got.element_size()),
              0)
        << name << " on rank " << g->rank();
  }
}

// What lets `keel train` stop every rank at the step where one rank's loss is not finite,
// without a collective before backward: that rank backpropagates NaN, and the averaged
// gradients' norm is then NaN on every rank.
TEST(DistributedDataParallel, NaNBackpropagatedOnOneRankMakesEveryRanksGradientNormNaN) {
  auto g = world2();
  for (int bad_rank : {-1, 0, 1}) {
    manual_seed(9);
    auto model = std::make_shared<nn::Sequential>(ModuleList{std::make_shared<nn::Linear>(4, 6),
                                                             std::make_shared<nn::ReLU>(),
                                                             std::make_shared<nn::Linear>(6, 3)});
    DistributedDataParallel ddp(model, g);
    Tensor loss = ops::cross_entropy(ddp.forward(randn({5, 4})), randint(0, 3, {5}));
    loss.backward(g->rank() == bad_rank ? full_like(loss, NAN) : Tensor());
    const double norm = nn::utils::clip_grad_norm_(ddp.parameters(), INFINITY).item();
    EXPECT_EQ(std::isfinite(norm), bad_rank < 0) << "NaN backpropagated on rank " << bad_rank;
  }
}

TEST(DistributedDataParallel, ParametersFromDifferentSeedsStartEqual) {
  auto g = world2();
  auto model = seeded(cnn, 40 + g->rank());
  EXPECT_FALSE(same_on_every_rank(*g, model->parameters()));
  DistributedDataParallel ddp(model, g);
  EXPECT_TRUE(same_on_every_rank(*g, model->parameters()));
}

}  // namespace
