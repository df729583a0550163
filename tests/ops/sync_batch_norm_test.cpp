// ops::sync_batch_norm over several ranks (threads of one process,
// tests/support/thread_process_group.h) equals batch norm on the concatenated global batch:
// forward, input/weight/bias gradients and running statistics, with unequal and empty per-rank
// batches, against PyTorch's BatchNorm on the global batch and keel's own batch_norm.
#include <gtest/gtest.h>
#include <keel/dist/process_group.h>
#include <keel/keel.h>
#include <keel/ops/sync_batch_norm.h>

#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "support/golden.h"
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

// What one rank computed: its output, gradients and running statistics after one step.
struct RankResult {
  Tensor y, dx, dw, db, running_mean, running_var;
};

// Splits x (and the upstream gradient g) along dim 0 by `splits` over that many ranks, runs
// sync_batch_norm in training with its own copies of weight, bias and running stats on each,
// and backpropagates g.
std::vector<RankResult> run_split(const Tensor& x, const Tensor& g, const Tensor& w, const Tensor& b,
                                  const Tensor& rm, const Tensor& rv, const std::vector<std::int64_t>& splits,
                                  double momentum, double eps) {
  const int n = static_cast<int>(splits.size());
  std::vector<RankResult> out(static_cast<std::size_t>(n));
  std::vector<std::int64_t> start(splits.size(), 0);
  for (std::size_t r = 1; r < splits.size(); ++r) start[r] = start[r - 1] + splits[r - 1];
  run_ranks(n, [&](int rank, const Group& group) {
    const auto r = static_cast<std::size_t>(rank);
    Tensor xi = leaf(x.narrow(0, start[r], splits[r]));
    Tensor wi = leaf(w), bi = leaf(b);
    Tensor rmi = rm.detach().clone(), rvi = rv.detach().clone();
    Tensor y = ops::sync_batch_norm(xi, rmi, rvi, wi, bi, true, momentum, eps, group);
    y.backward(g.narrow(0, start[r], splits[r]).contiguous());
    out[r] = {y.detach(), xi.grad(), wi.grad(), bi.grad(), rmi, rvi};
  });
  return out;
}

Tensor cat_field(const std::vector<RankResult>& rs, Tensor RankResult::*field) {
  std::vector<Tensor> parts;
  for (const RankResult& r : rs) parts.push_back(r.*field);
  return cat(parts, 0);
}

// The ranks' weight or bias gradients summed: what DistributedDataParallel's allreduce sums
// (and then divides by the rank count), equal to BatchNorm's gradient on the global batch.
Tensor sum_field(const std::vector<RankResult>& rs, Tensor RankResult::*field) {
  Tensor acc = (rs[0].*field).clone();
  for (std::size_t r = 1; r < rs.size(); ++r) acc.add_(rs[r].*field);
  return acc;
}

// PyTorch's BatchNorm on the global batch (tests/golden/gen_sync_batch_norm.py), replayed
// with the batch split over ranks as each case's args["splits"] says.
TEST(SyncBatchNorm, MatchesPyTorchBatchNormOnTheGlobalBatchOverSplitRanks) {
  const auto cases = keel::testing::load_golden("sync_batch_norm");
  ASSERT_GE(cases.size(), 5u);
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto& a = c.args;
    const DType dt = c.inputs[0].dtype();
    const auto splits = a.at("splits").get<std::vector<std::int64_t>>();
    auto stat = [&](const char* key) { return from_vector(a.at(key).get<std::vector<double>>()).to(dt); };
    auto rs =
        run_split(c.inputs[0], c.grad_output, c.inputs[1], c.inputs[2], stat("running_mean"),
                  stat("running_var"), splits, a.at("momentum").get<double>(), a.at("eps").get<double>());
    EXPECT_TRUE(near(cat_field(rs, &RankResult::y), c.output, c.atol, c.rtol)) << "output";
    EXPECT_TRUE(near(cat_field(rs, &RankResult::dx), c.grads[0], c.atol, c.rtol)) << "grad input";
    EXPECT_TRUE(near(sum_field(rs, &RankResult::dw), c.grads[1], c.atol, c.rtol)) << "grad weight";
    EXPECT_TRUE(near(sum_field(rs, &RankResult::db), c.grads[2], c.atol, c.rtol)) << "grad bias";
    for (const RankResult& r : rs) {
      EXPECT_TRUE(near(r.running_mean, stat("running_mean_after"), c.atol, c.rtol)) << "running_mean";
      EXPECT_TRUE(near(r.running_var, stat("running_var_after"), c.atol, c.rtol)) << "running_var";
    }
  }
}

// keel's own batch_norm on the concatenated batch, in float64 to rounding error, for 2 and 3
// ranks with unequal batches (one of them empty).
TEST(SyncBatchNorm, EqualsBatchNormOnTheConcatenatedBatch) {
  for (const auto& splits : std::vector<std::vector<std::int64_t>>{{3, 5, 2}, {6, 4}, {4, 0, 6}, {9, 1}}) {
    std::ostringstream name;
    for (std::int64_t s : splits) name << s << " ";
    SCOPED_TRACE("splits " + name.str());
    const Tensor x = rand_input({10, 3, 4}, -2.0, 3.0, 7).detach();
    const Tensor g = rand_input({10, 3, 4}, -1.0, 1.0, 8).detach();
    const Tensor w = rand_input({3}, 0.5, 1.5, 9).detach(), b = rand_input({3}, -1.0, 1.0, 10).detach();
    const Tensor rm = rand_input({3}, -1.0, 1.0, 11).detach(), rv = rand_input({3}, 0.5, 1.5, 12).detach();
    auto rs = run_split(x, g, w, b, rm, rv, splits, 0.2, 1e-5);

    Tensor xr = leaf(x), wr = leaf(w), br = leaf(b), rmr = rm.clone(), rvr = rv.clone();
    Tensor y = nn::functional::batch_norm(xr, rmr, rvr, wr, br, true, 0.2, 1e-5);
    y.backward(g);
    EXPECT_TRUE(near(cat_field(rs, &RankResult::y), y, 1e-12)) << "output";
    EXPECT_TRUE(near(cat_field(rs, &RankResult::dx), xr.grad(), 1e-12)) << "grad input";
    EXPECT_TRUE(near(sum_field(rs, &RankResult::dw), wr.grad(), 1e-12)) << "grad weight";
    EXPECT_TRUE(near(sum_field(rs, &RankResult::db), br.grad(), 1e-12)) << "grad bias";
    for (const RankResult& r : rs) {
      EXPECT_TRUE(near(r.running_mean, rmr, 1e-14)) << "running_mean";
      EXPECT_TRUE(near(r.running_var, rvr, 1e-14)) << "running_var";
    }
  }
}

TEST(SyncBatchNorm, WeightAndBiasGradsAreEachRanksOwnSums) {
  // PyTorch's semantics: the ranks' weight grads differ (DDP averages them afterwards).
  const Tensor x = rand_input({6, 2}, -2.0, 2.0, 3).detach(), g = rand_input({6, 2}, -1.0, 1.0, 4).detach();
  auto rs = run_split(x, g, ones({2}, kFloat64), zeros({2}, kFloat64), zeros({2}, kFloat64),
                      ones({2}, kFloat64), {2, 4}, 0.1, 1e-5);
  EXPECT_TRUE(near(rs[0].db, g.narrow(0, 0, 2).sum({0}), 1e-14));
  EXPECT_TRUE(near(rs[1].db, g.narrow(0, 2, 4).sum({0}), 1e-14));
  EXPECT_GT(max_abs_diff(rs[0].dw, rs[1].dw), 1e-3);
}

TEST(SyncBatchNorm, OneValuePerChannelOverTheGroupIsAnErrorOnEveryRank) {
  std::mutex mu;
  int errors = 0;
  run_ranks(2, [&](int rank, const Group& group) {
    Tensor x = rand_input({rank == 0 ? 1 : 0, 3}, -1.0, 1.0, 1);
    try {
      ops::sync_batch_norm(x, Tensor(), Tensor(), Tensor(), Tensor(), true, 0.1, 1e-5, group);
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("Expected more than 1 value per channel"), std::string::npos)
          << e.what();
      std::lock_guard<std::mutex> lock(mu);
      ++errors;
    }
  });
  EXPECT_EQ(errors, 2);
}

TEST(SyncBatchNorm, EvalModeUsesTheRunningStatisticsWithoutCommunicating) {
  const Tensor x = rand_input({4, 3, 2}, -1.0, 1.0, 5).detach();
  const Tensor rm = rand_input({3}, -1.0, 1.0, 6).detach(), rv = rand_input({3}, 0.5, 1.5, 7).detach();
  auto groups = keel::testing::make_thread_groups(2);
  // Only rank 0 calls it: a collective would wait for rank 1 (and fail after a minute).
  Tensor y = ops::sync_batch_norm(x, rm, rv, Tensor(), Tensor(), false, 0.1, 1e-5, groups[0]);
  EXPECT_EQ(max_abs_diff(y, nn::functional::batch_norm(x, rm, rv, Tensor(), Tensor(), false, 0.1, 1e-5)),
            0.0);
}

}  // namespace
