#pragma once
// DistributedSampler (torch.utils.data.DistributedSampler): which samples each of
// num_replicas processes sees in an epoch, so that every rank trains on a disjoint shard.
//
// An epoch's order is randperm(dataset_size) drawn from Generator(seed + epoch) (shuffle), or
// 0, 1, ..., n-1. Without drop_last the order is padded to a multiple of num_replicas by
// repeating its start (as often as needed); with drop_last its tail is cut to a multiple. Rank r
// then takes positions r, r + N, r + 2N, ... (N = num_replicas): the N ranks' k-th batches of B
// samples together are exactly one process's k-th batch of N * B samples of the same order.
//
//   data::DistributedSampler sampler(train->size(), {.num_replicas = 2, .rank = 1, .seed = 7});
//   sampler.set_epoch(epoch);
//   for (std::int64_t i : sampler.indices()) ...
//
// The DataLoader shards its own epoch order (DataLoaderOptions::num_replicas and rank) with
// DistributedSampler::shard, so that a 1-process loader keeps its order unchanged.
#include <cstdint>
#include <vector>

namespace keel::data {

struct DistributedSamplerOptions {
  int num_replicas = 1;
  int rank = 0;
  bool shuffle = true;
  std::uint64_t seed = 0;
  bool drop_last = false;
};

class DistributedSampler {
 public:
  DistributedSampler(std::int64_t dataset_size, DistributedSamplerOptions options = {});

  // The epoch that indices() shuffles for (torch: call it before each epoch).
  void set_epoch(std::int64_t epoch);
  std::int64_t epoch() const { return epoch_; }

  // Samples per rank per epoch (torch's num_samples, len(sampler)), and over all ranks.
  std::int64_t num_samples() const {
    return num_samples(dataset_size_, options_.num_replicas, options_.drop_last);
  }
  std::int64_t total_size() const { return num_samples() * options_.num_replicas; }
  const DistributedSamplerOptions& options() const { return options_; }

  // This rank's samples in the current epoch, in order.
  std::vector<std::int64_t> indices() const;

  // Rank `rank`'s share of an epoch's `order` (padded or cut as drop_last says, then
  // positions rank, rank + num_replicas, ...).
  static std::vector<std::int64_t> shard(const std::vector<std::int64_t>& order, int num_replicas, int rank,
                                         bool drop_last);
  static std::int64_t num_samples(std::int64_t dataset_size, int num_replicas, bool drop_last);

 private:
  std::int64_t dataset_size_;
  DistributedSamplerOptions options_;
  std::int64_t epoch_ = 0;
};

// Checks num_replicas >= 1 and 0 <= rank < num_replicas, naming `who` in the error.
void check_replicas(int num_replicas, int rank, const char* who);

}  // namespace keel::data
