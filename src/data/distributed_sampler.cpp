#include "keel/data/distributed_sampler.h"

#include <cstring>
#include <numeric>

#include "keel/core/error.h"
#include "keel/tensor/random.h"

namespace keel::data {

void check_replicas(int num_replicas, int rank, const char* who) {
  KEEL_CHECK(num_replicas >= 1, who, ": num_replicas must be at least 1, got ", num_replicas);
  KEEL_CHECK(rank >= 0 && rank < num_replicas, who, ": invalid rank ", rank,
             ", rank should be in the interval [0, ", num_replicas - 1, "]");
}

DistributedSampler::DistributedSampler(std::int64_t dataset_size, DistributedSamplerOptions options)
    : dataset_size_(dataset_size), options_(options) {
  KEEL_CHECK(dataset_size >= 0, "DistributedSampler: dataset size must be non-negative, got ", dataset_size);
  check_replicas(options_.num_replicas, options_.rank, "DistributedSampler");
}

void DistributedSampler::set_epoch(std::int64_t epoch) {
  KEEL_CHECK(epoch >= 0, "DistributedSampler: epoch must be non-negative, got ", epoch);
  epoch_ = epoch;
}

std::int64_t DistributedSampler::num_samples(std::int64_t dataset_size, int num_replicas, bool drop_last) {
  // torch: with drop_last, ceil((n - N) / N) (= floor(n / N)); else ceil(n / N).
  const std::int64_t n = dataset_size, r = num_replicas;
  return drop_last ? n / r : (n + r - 1) / r;
}

std::vector<std::int64_t> DistributedSampler::indices() const {
  std::vector<std::int64_t> order(static_cast<std::size_t>(dataset_size_));
  if (options_.shuffle) {
    Generator gen(options_.seed + static_cast<std::uint64_t>(epoch_));
    Tensor perm = randperm(dataset_size_, kInt64, &gen);
    if (dataset_size_ > 0)
      std::memcpy(order.data(), perm.data_ptr<std::int64_t>(), order.size() * sizeof(std::int64_t));
  } else {
    std::iota(order.begin(), order.end(), std::int64_t{0});
  }
  return shard(order, options_.num_replicas, options_.rank, options_.drop_last);
}

std::vector<std::int64_t> DistributedSampler::shard(const std::vector<std::int64_t>& order, int num_replicas,
                                                    int rank, bool drop_last) {
  check_replicas(num_replicas, rank, "DistributedSampler");
  const auto n = static_cast<std::int64_t>(order.size());
  if (num_replicas == 1 && !drop_last) return order;
  const std::int64_t per_rank = num_samples(n, num_replicas, drop_last);
  const std::int64_t total = per_rank * num_replicas;
  std::vector<std::int64_t> out;
  out.reserve(static_cast<std::size_t>(per_rank));
  // Position p of the padded order is order[p mod n]: the start repeats as often as needed.
  for (std::int64_t p = rank; p < total; p += num_replicas)
    out.push_back(order[static_cast<std::size_t>(p % n)]);
  return out;
}

}  // namespace keel::data
