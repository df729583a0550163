// evaluate() over a data-parallel group: the ranks split the batches and merge their sums, so
// every rank returns what one process evaluating the whole loader returns.
#include "keel/train/evaluate.h"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "keel/data/dataset.h"
#include "keel/nn/linear.h"
#include "keel/tensor/factories.h"
#include "keel/tensor/random.h"
#include "support/thread_process_group.h"

namespace keel {
namespace {

struct Fixture {
  std::shared_ptr<nn::Linear> model;
  std::shared_ptr<const data::Dataset> dataset;
};

// 53 samples in batches of 8: 7 batches, the last one short, so 3 ranks get unequal shares.
Fixture make_fixture() {
  manual_seed(3);
  Fixture f;
  f.model = std::make_shared<nn::Linear>(5, 4);
  f.dataset = std::make_shared<data::TensorDataset>(randn({53, 5}), randint(0, 4, {53}));
  return f;
}

std::unique_ptr<data::DataLoader> loader_of(const Fixture& f) {
  data::DataLoaderOptions o;
  o.batch_size = 8;
  return std::make_unique<data::DataLoader>(f.dataset, o);
}

TEST(DistributedEvaluate, EveryRankGetsTheWholeLoadersResult) {
  const Fixture f = make_fixture();
  auto one_loader = loader_of(f);
  const train::EvalResult one = train::evaluate(*f.model, *one_loader, 4);
  ASSERT_EQ(one.samples, 53);
  for (int ranks : {2, 3}) {
    std::vector<train::EvalResult> got(static_cast<std::size_t>(ranks));
    // Each rank its own replica (evaluate() switches its mode) and its own loader.
    std::vector<std::shared_ptr<nn::Linear>> replicas;
    for (int r = 0; r < ranks; ++r) replicas.push_back(make_fixture().model);
    testing::run_ranks(ranks, [&](int rank, const std::shared_ptr<dist::ProcessGroup>& group) {
      auto loader = loader_of(f);
      got[static_cast<std::size_t>(rank)] =
          train::evaluate(*replicas[static_cast<std::size_t>(rank)], *loader, 4, *group);
    });
    for (const train::EvalResult& r : got) {
      EXPECT_EQ(r.samples, one.samples) << ranks << " ranks";
      EXPECT_EQ(r.accuracy, one.accuracy) << ranks << " ranks";
      EXPECT_NEAR(r.loss, one.loss, 1e-12 * std::abs(one.loss)) << ranks << " ranks";
      EXPECT_EQ(r.confusion, one.confusion) << ranks << " ranks";
    }
  }
}

TEST(DistributedEvaluate, OneRankIsThePlainEvaluation) {
  const Fixture f = make_fixture();
  auto a = loader_of(f), b = loader_of(f);
  const train::EvalResult plain = train::evaluate(*f.model, *a, 4);
  const train::EvalResult grouped = train::evaluate(*f.model, *b, 4, *dist::local_group());
  EXPECT_EQ(grouped.loss, plain.loss);
  EXPECT_EQ(grouped.confusion, plain.confusion);
}

}  // namespace
}  // namespace keel
