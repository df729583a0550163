// DataLoader: coverage and reproducibility of shuffling, drop_last, prefetching (same
// batches as without it), the generic and row-gather paths, errors from the worker, and
// stopping mid-epoch.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <set>
#include <thread>

#include "keel/data/dataloader.h"
#include "keel/tensor/factories.h"

namespace keel {
namespace {

using data::Batch;
using data::DataLoader;
using data::DataLoaderOptions;
using data::TensorDataset;

// Sample i: data = [i, i + 0.5, i + 0.25] as (3), target = 10 * i.
std::shared_ptr<TensorDataset> numbered(std::int64_t n) {
  Tensor x = empty({n, 3});
  Tensor y = empty({n}, kInt64);
  for (std::int64_t i = 0; i < n; ++i) {
    x.data_ptr<float>()[3 * i] = static_cast<float>(i);
    x.data_ptr<float>()[3 * i + 1] = static_cast<float>(i) + 0.5f;
    x.data_ptr<float>()[3 * i + 2] = static_cast<float>(i) + 0.25f;
    y.data_ptr<std::int64_t>()[i] = 10 * i;
  }
  return std::make_shared<TensorDataset>(x, y);
}

// The same samples through get() only (no RowView): the loader's generic path.
class Generic : public data::Dataset {
 public:
  explicit Generic(std::shared_ptr<const data::Dataset> inner, std::int64_t fail_at = -1)
      : inner_(std::move(inner)), fail_at_(fail_at) {}
  std::int64_t size() const override { return inner_->size(); }
  data::Example get(std::int64_t i) const override {
    KEEL_CHECK(i != fail_at_, "Generic: sample ", i, " is unreadable");
    ++calls;
    return inner_->get(i);
  }
  mutable std::atomic<int> calls{0};

 private:
  std::shared_ptr<const data::Dataset> inner_;
  std::int64_t fail_at_;
};

// The sample ids of one epoch, batch by batch.
std::vector<std::vector<std::int64_t>> run_epoch(DataLoader& loader) {
  std::vector<std::vector<std::int64_t>> out;
  for (const Batch& b : loader) {
    EXPECT_EQ(b.data.dtype(), kFloat32);
    EXPECT_EQ(b.target.dtype(), kInt64);
    EXPECT_EQ(b.data.size(0), b.target.size(0));
    std::vector<std::int64_t> ids;
    for (std::int64_t k = 0; k < b.size(); ++k) {
      const std::int64_t id = b.target.data_ptr<std::int64_t>()[k] / 10;
      EXPECT_EQ(b.data.data_ptr<float>()[3 * k], static_cast<float>(id));
      EXPECT_EQ(b.data.data_ptr<float>()[3 * k + 2], static_cast<float>(id) + 0.25f);
      ids.push_back(id);
    }
    out.push_back(ids);
  }
  return out;
}

std::vector<std::int64_t> flat(const std::vector<std::vector<std::int64_t>>& batches) {
  std::vector<std::int64_t> out;
  for (const auto& b : batches) out.insert(out.end(), b.begin(), b.end());
  return out;
}

TEST(DataLoaderTest, SequentialBatches) {
  DataLoader loader(numbered(10), {.batch_size = 4, .prefetch = 0});
  EXPECT_EQ(loader.size(), 3);
  auto batches = run_epoch(loader);
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[0], std::vector<std::int64_t>({0, 1, 2, 3}));
  EXPECT_EQ(batches[2], std::vector<std::int64_t>({8, 9}));
  Batch b = loader.batch(0, 1);
  EXPECT_EQ(b.data.sizes(), Dims({4, 3}));
}

// Without prefetch the loader drops the batch it handed out before making the next, so an
// evaluation pass holds one batch at a time: with the caching allocator each batch's data then
// reuses the block the previous one freed (3 MB per 1000 Fashion-MNIST images).
TEST(DataLoaderTest, WithoutPrefetchTheLastBatchIsFreedBeforeTheNextIsMade) {
#ifdef KEEL_NO_CACHING_ALLOCATOR
  GTEST_SKIP() << "blocks are only reused through the caching allocator";
#endif
  DataLoader loader(numbered(40), {.batch_size = 8, .prefetch = 0});
  std::set<const void*> blocks;
  std::int64_t batches = 0;
  for (const Batch& b : loader) {
    blocks.insert(b.data.raw_data());
    ++batches;
  }
  EXPECT_EQ(batches, 5);
  EXPECT_EQ(blocks.size(), 1u) << "a batch's data was allocated while the previous batch was alive";
}

TEST(DataLoaderTest, DropLast) {
  DataLoader loader(numbered(10), {.batch_size = 4, .drop_last = true});
  EXPECT_EQ(loader.size(), 2);
  auto batches = run_epoch(loader);
  ASSERT_EQ(batches.size(), 2u);
  for (const auto& b : batches) EXPECT_EQ(b.size(), 4u);
  DataLoader exact(numbered(8), {.batch_size = 4, .drop_last = true});
  EXPECT_EQ(exact.size(), 2);
  DataLoader tiny(numbered(3), {.batch_size = 4, .drop_last = true});
  EXPECT_EQ(tiny.size(), 0);
  EXPECT_TRUE(run_epoch(tiny).empty());
}

TEST(DataLoaderTest, ShuffleCoversEveryIndexOncePerEpochAndEpochsDiffer) {
  DataLoader loader(numbered(103), {.batch_size = 16, .shuffle = true, .seed = 7});
  std::vector<std::int64_t> e0 = flat(run_epoch(loader));
  std::vector<std::int64_t> e1 = flat(run_epoch(loader));
  for (const auto& e : {e0, e1}) {
    ASSERT_EQ(e.size(), 103u);
    std::set<std::int64_t> seen(e.begin(), e.end());
    EXPECT_EQ(seen.size(), 103u);
    EXPECT_EQ(*seen.begin(), 0);
    EXPECT_EQ(*seen.rbegin(), 102);
  }
  EXPECT_NE(e0, e1);
  EXPECT_EQ(loader.epoch(), 2);
  EXPECT_EQ(e0, loader.order(0));
  EXPECT_EQ(e1, loader.order(1));
}

TEST(DataLoaderTest, ShuffleIsReproducible) {
  auto ds = numbered(50);
  DataLoader a(ds, {.batch_size = 8, .shuffle = true, .seed = 42});
  DataLoader b(ds, {.batch_size = 8, .shuffle = true, .seed = 42, .prefetch = 0});
  DataLoader c(ds, {.batch_size = 8, .shuffle = true, .seed = 43});
  auto a0 = run_epoch(a), a1 = run_epoch(a);
  EXPECT_EQ(a0, run_epoch(b));
  EXPECT_EQ(a1, run_epoch(b));
  EXPECT_NE(a0, run_epoch(c));
  // Resuming: a fresh loader set to epoch 1 replays epoch 1.
  DataLoader resumed(ds, {.batch_size = 8, .shuffle = true, .seed = 42});
  resumed.set_epoch(1);
  EXPECT_EQ(run_epoch(resumed), a1);
}

TEST(DataLoaderTest, GenericPathAndSubsetsMatchRowGather) {
  auto ds = numbered(37);
  auto generic = std::make_shared<Generic>(ds);
  DataLoaderOptions opt{.batch_size = 5, .shuffle = true, .seed = 3};
  DataLoader fast(ds, opt), slow(generic, opt);
  EXPECT_EQ(run_epoch(fast), run_epoch(slow));
  EXPECT_EQ(generic->calls.load(), 37);

  // Subsets of a TensorDataset gather rows through the composed index.
  auto parts = data::random_split(ds, {30, 7}, 11);
  auto nested = std::make_shared<data::Subset>(parts[0], std::vector<std::int64_t>{4, 0, 29});
  ASSERT_TRUE(nested->rows().has_value());
  DataLoader sub(nested, {.batch_size = 2});
  auto batches = run_epoch(sub);
  std::vector<std::int64_t> expected = {parts[0]->indices()[4], parts[0]->indices()[0],
                                        parts[0]->indices()[29]};
  EXPECT_EQ(flat(batches), expected);
  DataLoader sub_slow(std::make_shared<Generic>(nested), {.batch_size = 2});
  EXPECT_EQ(run_epoch(sub_slow), batches);
}

TEST(DataLoaderTest, ImageSamplesKeepTheirShape) {
  Tensor x = arange(0, 2 * 3 * 4 * 4, 1, kFloat32).view({2, 3, 4, 4});
  Tensor y = arange(2);
  DataLoader loader(std::make_shared<TensorDataset>(x, y), {.batch_size = 2});
  Batch b = *loader.begin();
  EXPECT_EQ(b.data.sizes(), Dims({2, 3, 4, 4}));
  EXPECT_EQ(b.data.data_ptr<float>()[95], 95.f);
}

TEST(DataLoaderTest, WorkerErrorIsRethrownAtItsBatch) {
  for (int prefetch : {0, 1, 3}) {
    auto bad = std::make_shared<Generic>(numbered(20), 13);
    DataLoader loader(bad, {.batch_size = 4, .prefetch = prefetch});
    std::int64_t seen = 0;
    try {
      for (const Batch& b : loader) seen += b.size();
      ADD_FAILURE() << "expected an error";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("sample 13 is unreadable"), std::string::npos);
    }
    EXPECT_EQ(seen, 12) << "prefetch " << prefetch;
    // The next epoch starts cleanly (and fails at the same place).
    EXPECT_THROW(for (const Batch& b : loader)(void) b, Error);
  }
}

TEST(DataLoaderTest, StopsCleanlyMidEpoch) {
  auto ds = numbered(1000);
  for (int round = 0; round < 20; ++round) {
    DataLoader loader(ds, {.batch_size = 3, .shuffle = true, .prefetch = 4});
    auto it = loader.begin();
    ++it;
    if (round % 2 == 0) {
      // Starting another epoch replaces the unfinished one.
      EXPECT_EQ(flat(run_epoch(loader)).size(), 1000u);
    }
  }  // destroyed with the worker blocked on a full queue
  // An iterator of a replaced epoch refuses to continue.
  DataLoader loader(ds, {.batch_size = 10});
  auto old = loader.begin();
  auto fresh = loader.begin();
  EXPECT_THROW(++old, Error);
  ++fresh;
  EXPECT_EQ(fresh->size(), 10);
}

TEST(DataLoaderTest, PrefetchRunsAhead) {
  auto generic = std::make_shared<Generic>(numbered(64));
  DataLoader loader(generic, {.batch_size = 8, .prefetch = 3});
  auto it = loader.begin();  // consumed batch 0; the worker fills the queue
  // After k batches are consumed the worker has made k + 2 or k + 3 (a full queue is refilled
  // only once drained to 1, so whether it was topped up depends on which thread came first),
  // and never more: the queue is bounded.
  auto settled = [&](int consumed) {
    for (int i = 0; i < 200 && generic->calls.load() < 8 * (consumed + 2); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_GE(generic->calls.load(), 8 * (consumed + 2)) << consumed << " consumed";
    EXPECT_LE(generic->calls.load(), 8 * (consumed + 3)) << consumed << " consumed";
  };
  settled(1);
  ++it;
  ++it;
  settled(3);
  ++it;
  settled(4);
}

TEST(DataLoaderTest, AFullQueueIsRefilledOnlyOnceDrained) {
  // prefetch 4: a waiting worker is woken when the queue is down to 1 batch, not after each
  // batch taken (every wake-up is a system call on the training thread).
  auto generic = std::make_shared<Generic>(numbered(128));
  DataLoader loader(generic, {.batch_size = 8, .prefetch = 4});
  auto it = loader.begin();  // batch 0 taken; the worker fills the queue and waits
  auto settle = [&](int at_least) {
    for (int i = 0; i < 200 && generic->calls.load() < at_least; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    return generic->calls.load();
  };
  const int full = settle(8 * 4);  // 4 or 5 batches made: 3 or 4 queued
  ++it;                            // 2 or 3 queued: above the refill mark
  EXPECT_EQ(settle(0), full);
  ++it;
  ++it;  // at most 1 queued: refilled to 4
  // Waits for the whole refill, not only its first batch: when `full` was 4 batches, the
  // worker still had two to make after full + 8, and a slow (sanitizer) build could be
  // caught between them.
  EXPECT_EQ(settle(8 * (4 + 4)), 8 * (4 + 4));
}

TEST(DataLoaderTest, BadArguments) {
  EXPECT_THROW(DataLoader(numbered(4), {.batch_size = 0}), Error);
  EXPECT_THROW(DataLoader(nullptr, {}), Error);
  try {
    DataLoader(numbered(4), {.batch_size = 0});
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("batch_size=0"), std::string::npos);
  }
  // Samples that cannot be stacked.
  class Ragged : public data::Dataset {
   public:
    std::int64_t size() const override { return 2; }
    data::Example get(std::int64_t i) const override { return {zeros({i + 1}), scalar_tensor(0, kInt64)}; }
  };
  DataLoader ragged(std::make_shared<Ragged>(), {.batch_size = 2});
  EXPECT_THROW(ragged.begin(), Error);
}

}  // namespace
}  // namespace keel
