// DistributedDataParallel's bucket layout: PyTorch's caps (1 MiB for the first bucket, then
// bucket_cap_mb), except that gradients which arrived together in the measured first pass stay
// in one bucket up to the full cap.
#include <gtest/gtest.h>

#include <vector>

#include "nn/parallel/reducer.h"

namespace keel::nn::parallel::detail {
namespace {

constexpr double kMiB = 1024.0 * 1024.0;

// Linear(600, 600) then Linear(600, 10), as backward produces their gradients: the second
// layer's bias and weight, then the first layer's bias and weight (1.44 MB).
std::vector<BucketParam> two_linears(double first_weight_ready_at) {
  return {{600 * 600 * 4, kFloat32, first_weight_ready_at},
          {600 * 4, kFloat32, 0.0015},
          {600 * 10 * 4, kFloat32, 0.0001},
          {10 * 4, kFloat32, 0.0001}};
}
const std::vector<std::size_t> kBackwardOrder = {3, 2, 1, 0};

TEST(BucketLayout, WithoutTimingsTheFirstBucketClosesAtOneMiB) {
  auto params = two_linears(-1);
  for (auto& p : params) p.ready_at = -1;
  EXPECT_EQ(bucket_layout(params, kBackwardOrder, 25 * kMiB), (std::vector<std::size_t>{0, 0, 0, 1}));
}

TEST(BucketLayout, AWeightThatArrivesWithItsBiasJoinsItsBucket) {
  // The first layer's weight comes 20 us after its bias (one autograd node made both).
  EXPECT_EQ(bucket_layout(two_linears(0.00152), kBackwardOrder, 25 * kMiB),
            (std::vector<std::size_t>{0, 0, 0, 0}));
}

TEST(BucketLayout, AWeightThatArrivesLaterStartsABucket) {
  // 5 ms later: a bucket boundary there lets the earlier gradients start meanwhile.
  EXPECT_EQ(bucket_layout(two_linears(0.0065), kBackwardOrder, 25 * kMiB),
            (std::vector<std::size_t>{0, 0, 0, 1}));
}

TEST(BucketLayout, TheFullCapAndADtypeChangeCloseABucketEvenTogether) {
  EXPECT_EQ(bucket_layout(two_linears(0.00152), kBackwardOrder, 1.0 * kMiB),
            (std::vector<std::size_t>{0, 0, 0, 1}));
  auto params = two_linears(0.00152);
  params[1].dtype = kFloat64;
  EXPECT_EQ(bucket_layout(params, kBackwardOrder, 25 * kMiB), (std::vector<std::size_t>{0, 0, 1, 2}));
}

TEST(BucketLayout, LaterBucketsCloseAtTheCap) {
  // Five 10 MB gradients 10 ms apart after a small first one: cap 25 MiB holds two each.
  std::vector<BucketParam> params = {{4, kFloat32, 0.0}};
  for (int k = 1; k <= 5; ++k) params.push_back({10'000'000, kFloat32, 0.01 * k});
  EXPECT_EQ(bucket_layout(params, {0, 1, 2, 3, 4, 5}, 25 * kMiB),
            (std::vector<std::size_t>{0, 1, 1, 2, 2, 3}));
}

}  // namespace
}  // namespace keel::nn::parallel::detail
