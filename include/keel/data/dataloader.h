#pragma once
// DataLoader: batches of a Dataset, in order or shuffled, made ahead of time on a
// background thread so that the training loop does not wait for them.
//
//   auto train = std::make_shared<data::TensorDataset>(images, labels);
//   data::DataLoader loader(train, {.batch_size = 64, .shuffle = true, .seed = 1});
//   for (int epoch = 0; epoch < 10; ++epoch)
//     for (const data::Batch& b : loader) step(b.data, b.target);
//
// Each begin() starts the next epoch (0, 1, 2, ...; set_epoch() picks one, for resuming).
// The order of epoch e is randperm(size) drawn from Generator(seed) at counter offset
// e * size: every epoch differs, and a rerun with the same seed sees the same batches.
// A batch stacks its samples: data (B, ...) and target (B, ...) in the dataset's dtypes.
// Datasets with a RowView (TensorDataset and its Subsets) are gathered row by row with
// memcpy; datasets with a gather() of their own (ByteImageDataset) make the batch themselves;
// others are stacked from get(). The transform, if any, runs on each batch's data
// with Generator(Generator(seed ^ salt).at(epoch)).at(batch index) as its seed (rank r > 0 of
// a data-parallel group salts it with r as well, so that ranks draw different augmentations).
//
// With prefetch > 0 a worker thread makes up to `prefetch` batches ahead of the consumer
// (a bounded queue). An exception thrown while making a batch is rethrown by the iterator
// when that batch is reached. Starting another epoch, or destroying the loader, stops the
// worker of an unfinished epoch cleanly. An iterator must not outlive its loader, and a
// loader is driven by one thread at a time.
#include <cstdint>
#include <iterator>
#include <memory>
#include <optional>
#include <vector>

#include "keel/data/dataset.h"
#include "keel/data/transforms.h"

namespace keel::data {

struct DataLoaderOptions {
  std::int64_t batch_size = 1;
  bool shuffle = false;
  bool drop_last = false;  // drop the last batch when it would be smaller than batch_size
  std::uint64_t seed = 0;
  int prefetch = 2;  // batches made ahead on a worker thread; 0 makes them on demand
  std::shared_ptr<const Transform> transform = nullptr;
  // Data-parallel training: this loader is rank `rank` of `num_replicas` and sees its shard of
  // each epoch's order (DistributedSampler::shard, padded to a multiple of num_replicas), with
  // its own transform randomness. 1 process sees the whole order.
  int num_replicas = 1;
  int rank = 0;
};

struct Batch {
  Tensor data;
  Tensor target;
  std::int64_t size() const { return data.size(0); }
};

class DataLoader {
  class Epoch;

 public:
  DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options = {});
  ~DataLoader();
  DataLoader(const DataLoader&) = delete;
  DataLoader& operator=(const DataLoader&) = delete;

  // Batches per epoch.
  std::int64_t size() const;
  const std::shared_ptr<const Dataset>& dataset() const { return dataset_; }
  const DataLoaderOptions& options() const { return options_; }

  // The epoch that the next begin() starts.
  std::int64_t epoch() const { return next_epoch_; }
  void set_epoch(std::int64_t epoch);

  // The order in which epoch `epoch` visits the samples (this rank's shard of it).
  std::vector<std::int64_t> order(std::int64_t epoch) const;
  // Batch `index` of epoch `epoch`, made on the calling thread.
  Batch batch(std::int64_t epoch, std::int64_t index) const;

  class Iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = Batch;
    using difference_type = std::ptrdiff_t;
    using pointer = const Batch*;
    using reference = const Batch&;

    Iterator() = default;
    const Batch& operator*() const { return batch_; }
    const Batch* operator->() const { return &batch_; }
    Iterator& operator++();
    friend bool operator==(const Iterator& a, const Iterator& b) { return a.done() == b.done(); }

   private:
    friend class DataLoader;
    Iterator(DataLoader* loader, std::uint64_t generation) : loader_(loader), generation_(generation) {}
    bool done() const { return loader_ == nullptr; }
    DataLoader* loader_ = nullptr;  // null at the end
    std::uint64_t generation_ = 0;  // which begin() this iterator belongs to
    Batch batch_;
  };

  Iterator begin();  // starts the next epoch (stopping an unfinished one)
  Iterator end() { return Iterator(); }

 private:
  Batch make_batch(const std::vector<std::int64_t>& order, std::int64_t epoch, std::int64_t index) const;
  // Moves the next batch of the epoch started by begin() number `generation` into `out`;
  // false at the end of the epoch.
  bool next(std::uint64_t generation, Batch& out);

  std::shared_ptr<const Dataset> dataset_;
  DataLoaderOptions options_;
  std::optional<RowView> rows_;
  std::int64_t next_epoch_ = 0;
  std::uint64_t generation_ = 0;
  std::unique_ptr<Epoch> current_;
};

}  // namespace keel::data
