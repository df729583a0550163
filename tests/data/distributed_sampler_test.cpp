// DistributedSampler and the DataLoader's sharding: torch's partition of an epoch over ranks
// (padded or cut), set_epoch, and the identity data-parallel training rests on: the N ranks'
// k-th batches of B are exactly one process's k-th batch of N * B.
#include "keel/data/distributed_sampler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "keel/data/dataloader.h"
#include "keel/tensor/factories.h"
#include "support/errors.h"

namespace keel {
namespace {

using data::DataLoader;
using data::DataLoaderOptions;
using data::DistributedSampler;
using data::DistributedSamplerOptions;

std::vector<std::int64_t> all_ranks(std::int64_t n, DistributedSamplerOptions o, std::int64_t epoch) {
  std::vector<std::int64_t> out;
  for (int r = 0; r < o.num_replicas; ++r) {
    o.rank = r;
    DistributedSampler s(n, o);
    s.set_epoch(epoch);
    const auto idx = s.indices();
    EXPECT_EQ(static_cast<std::int64_t>(idx.size()), s.num_samples());
    out.insert(out.end(), idx.begin(), idx.end());
  }
  return out;
}

TEST(DistributedSampler, RanksTakeInterleavedPositionsOfTheEpochOrder) {
  // 1 replica: the whole order. N replicas: rank r takes positions r, r + N, ...
  const DistributedSampler whole(10, {.num_replicas = 1, .rank = 0, .shuffle = true, .seed = 3});
  const auto order = whole.indices();
  ASSERT_EQ(order.size(), 10u);
  EXPECT_EQ(std::set<std::int64_t>(order.begin(), order.end()).size(), 10u);
  for (int r = 0; r < 3; ++r) {
    const DistributedSampler s(10, {.num_replicas = 3, .rank = r, .shuffle = true, .seed = 3});
    EXPECT_EQ(s.num_samples(), 4);  // ceil(10 / 3)
    EXPECT_EQ(s.total_size(), 12);
    const auto idx = s.indices();
    ASSERT_EQ(idx.size(), 4u);
    // Padding repeats the start of the order: positions 10 and 11 are order[0] and order[1].
    for (std::size_t k = 0; k < idx.size(); ++k) EXPECT_EQ(idx[k], order[(r + 3 * k) % 10]) << r << " " << k;
  }
}

TEST(DistributedSampler, DropLastCutsTheTail) {
  for (int r = 0; r < 3; ++r) {
    const DistributedSampler s(10, {.num_replicas = 3, .rank = r, .shuffle = false, .drop_last = true});
    EXPECT_EQ(s.num_samples(), 3);
    EXPECT_EQ(s.indices(), (std::vector<std::int64_t>{r, r + 3, r + 6}));
  }
  // Samples 0..8 each once; 9 is dropped.
  auto all = all_ranks(10, {.num_replicas = 3, .shuffle = true, .seed = 1, .drop_last = true}, 0);
  EXPECT_EQ(all.size(), 9u);
  EXPECT_EQ(std::set<std::int64_t>(all.begin(), all.end()).size(), 9u);
}

TEST(DistributedSampler, PaddingRepeatsTheOrderWhenShorterThanTheRanks) {
  // 2 samples over 5 ranks: positions 0..4 of [a, b, a, b, a].
  for (int r = 0; r < 5; ++r) {
    const DistributedSampler s(2, {.num_replicas = 5, .rank = r, .shuffle = false});
    EXPECT_EQ(s.indices(), (std::vector<std::int64_t>{r % 2})) << r;
  }
}

TEST(DistributedSampler, SetEpochReshufflesFromSeedPlusEpoch) {
  DistributedSampler a(50, {.num_replicas = 2, .rank = 1, .shuffle = true, .seed = 5});
  DistributedSampler b(50, {.num_replicas = 2, .rank = 1, .shuffle = true, .seed = 6});
  const auto e0 = a.indices();
  a.set_epoch(1);
  EXPECT_NE(a.indices(), e0);
  EXPECT_EQ(a.indices(), b.indices());  // torch: the generator is seeded with seed + epoch
  a.set_epoch(0);
  EXPECT_EQ(a.indices(), e0);
  // Disjoint shards covering the data once (50 is a multiple of 2).
  auto all = all_ranks(50, {.num_replicas = 2, .shuffle = true, .seed = 5}, 3);
  EXPECT_EQ(std::set<std::int64_t>(all.begin(), all.end()).size(), 50u);
}

TEST(DistributedSampler, RanksBatchesTogetherAreTheOneProcessBatch) {
  const std::int64_t n = 48;
  for (int N : {2, 3}) {
    const std::int64_t B = 4;
    const auto one = DistributedSampler(n, {.num_replicas = 1, .rank = 0, .seed = 9}).indices();
    std::vector<std::vector<std::int64_t>> ranks;
    for (int r = 0; r < N; ++r)
      ranks.push_back(DistributedSampler(n, {.num_replicas = N, .rank = r, .seed = 9}).indices());
    for (std::int64_t k = 0; k < n / (N * B); ++k) {
      std::multiset<std::int64_t> together, single(one.begin() + k * N * B, one.begin() + (k + 1) * N * B);
      for (const auto& idx : ranks) together.insert(idx.begin() + k * B, idx.begin() + (k + 1) * B);
      EXPECT_EQ(together, single) << N << " ranks, batch " << k;
    }
  }
}

// Sample i has target i.
std::shared_ptr<data::TensorDataset> numbered(std::int64_t n) {
  Tensor x = empty({n, 2});
  Tensor y = empty({n}, kInt64);
  for (std::int64_t i = 0; i < n; ++i) {
    x.data_ptr<float>()[2 * i] = static_cast<float>(i);
    x.data_ptr<float>()[2 * i + 1] = -static_cast<float>(i);
    y.data_ptr<std::int64_t>()[i] = i;
  }
  return std::make_shared<data::TensorDataset>(x, y);
}

std::multiset<std::int64_t> targets(const data::Batch& b) {
  const auto* t = b.target.data_ptr<std::int64_t>();
  return std::multiset<std::int64_t>(t, t + b.size());
}

TEST(DistributedSampler, ShardedLoadersTogetherMakeTheOneProcessBatches) {
  auto ds = numbered(40);
  DataLoader one(ds, {.batch_size = 8, .shuffle = true, .seed = 11, .prefetch = 0});
  DataLoader r0(ds, {.batch_size = 4, .shuffle = true, .seed = 11, .num_replicas = 2, .rank = 0});
  DataLoader r1(ds, {.batch_size = 4, .shuffle = true, .seed = 11, .num_replicas = 2, .rank = 1});
  ASSERT_EQ(one.size(), 5);
  ASSERT_EQ(r0.size(), 5);
  for (std::int64_t epoch : {0, 1, 4}) {
    for (std::int64_t k = 0; k < 5; ++k) {
      auto together = targets(r0.batch(epoch, k));
      const auto second = targets(r1.batch(epoch, k));
      together.insert(second.begin(), second.end());
      EXPECT_EQ(together, targets(one.batch(epoch, k))) << "epoch " << epoch << ", batch " << k;
    }
  }
  // The rank's order is its shard of the 1-process order; 1 replica leaves the order as it is.
  EXPECT_EQ(r1.order(2), DistributedSampler::shard(one.order(2), 2, 1, false));
  EXPECT_EQ(DistributedSampler::shard(one.order(2), 1, 0, false), one.order(2));
}

TEST(DistributedSampler, ShardedLoaderPadsToAMultipleOfTheRanks) {
  auto ds = numbered(5);
  DataLoader r2(ds, {.batch_size = 2, .shuffle = false, .num_replicas = 3, .rank = 2});
  EXPECT_EQ(r2.size(), 1);  // ceil(5 / 3) = 2 samples: positions 2 and 5 (= sample 0)
  EXPECT_EQ(r2.order(0), (std::vector<std::int64_t>{2, 0}));
}

// Fills the batch with the first value of the generator the loader gave it.
class FirstDraw : public data::Transform {
 public:
  Tensor apply(Tensor batch, Generator& gen) const override {
    return full(batch.sizes(), static_cast<double>(gen.at(0) % 1000003), batch.dtype());
  }
  std::string repr() const override { return "FirstDraw()"; }
};

TEST(DistributedSampler, RanksDrawTheirOwnAugmentation) {
  auto ds = numbered(16);
  auto t = std::make_shared<FirstDraw>();
  auto draw = [&](int replicas, int rank, std::int64_t index) {
    DataLoader l(
        ds,
        {.batch_size = 4, .seed = 3, .prefetch = 0, .transform = t, .num_replicas = replicas, .rank = rank});
    return l.batch(1, index).data.data_ptr<float>()[0];
  };
  // Rank 0 draws what one process draws for the same batch index; rank 1 draws otherwise.
  EXPECT_EQ(draw(2, 0, 1), draw(1, 0, 1));
  EXPECT_NE(draw(2, 1, 1), draw(2, 0, 1));
  EXPECT_NE(draw(2, 1, 0), draw(2, 1, 1));
}

TEST(DistributedSampler, BadRanksAreRefused) {
  EXPECT_NE(testing::error_of([] {
              DistributedSampler(10, {.num_replicas = 2, .rank = 2});
            }).find("invalid rank 2, rank should be in the interval [0, 1]"),
            std::string::npos);
  EXPECT_NE(testing::error_of([] { DistributedSampler(10, {.num_replicas = 0}); }).find("num_replicas"),
            std::string::npos);
  EXPECT_NE(testing::error_of([] {
              DataLoader(numbered(4), {.num_replicas = 2, .rank = -1});
            }).find("DataLoader: invalid rank -1"),
            std::string::npos);
}

}  // namespace
}  // namespace keel
