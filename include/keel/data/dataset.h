#pragma once
// Datasets: indexable collections of (data, target) samples, as torch.utils.data has them.
// Datasets are shared between loaders and subsets through shared_ptr<const Dataset>, and
// read from the loader's prefetch thread: get() must be safe to call concurrently with
// itself (every dataset here only reads).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "keel/tensor/tensor.h"

namespace keel::data {

struct Example {
  Tensor data;
  Tensor target;
};

// Samples that are rows of two tensors: sample i is (data[index(i)], targets[index(i)]),
// where index is the identity when `index` is null. The DataLoader uses it to gather a batch
// with one memcpy per row instead of building a tensor per sample.
struct RowView {
  Tensor data;     // contiguous, first dim indexes rows
  Tensor targets;  // contiguous, first dim indexes rows
  std::shared_ptr<const std::vector<std::int64_t>> index;
};

class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual std::int64_t size() const = 0;
  // Sample i, 0 <= i < size(); throws keel::Error for an index out of range.
  virtual Example get(std::int64_t index) const = 0;
  // The row layout behind the samples, when there is one (see RowView).
  virtual std::optional<RowView> rows() const { return std::nullopt; }
  // Samples indices[0..count) stacked into one batch (data (count, ...), target (count, ...)),
  // for datasets without rows that make a batch faster than stacking get() per sample;
  // nullopt for the others.
  virtual std::optional<Example> gather(const std::int64_t* /*indices*/, std::int64_t /*count*/) const {
    return std::nullopt;
  }
};

// Samples are the rows of `data` and `targets` (first dim indexes samples; both keep their
// dtypes, so a loader stacks float32 data and int64 targets from float32 and int64 inputs).
class TensorDataset final : public Dataset {
 public:
  TensorDataset(const Tensor& data, const Tensor& targets);
  std::int64_t size() const override { return data_.size(0); }
  Example get(std::int64_t index) const override;
  std::optional<RowView> rows() const override { return RowView{data_, targets_, nullptr}; }
  const Tensor& data() const { return data_; }
  const Tensor& targets() const { return targets_; }

 private:
  Tensor data_;
  Tensor targets_;
};

// The samples of `dataset` at `indices`, in that order.
class Subset final : public Dataset {
 public:
  Subset(std::shared_ptr<const Dataset> dataset, std::vector<std::int64_t> indices);
  std::int64_t size() const override { return static_cast<std::int64_t>(indices_->size()); }
  Example get(std::int64_t index) const override;
  std::optional<RowView> rows() const override;
  std::optional<Example> gather(const std::int64_t* indices, std::int64_t count) const override;
  const std::vector<std::int64_t>& indices() const { return *indices_; }
  const std::shared_ptr<const Dataset>& dataset() const { return dataset_; }

 private:
  std::shared_ptr<const Dataset> dataset_;
  std::shared_ptr<const std::vector<std::int64_t>> indices_;
  std::optional<RowView> rows_;  // the parent's rows composed with indices_, when it has them
};

// Splits `dataset` into non-overlapping subsets of the given lengths (which must sum to its
// size), after a random permutation: randperm(size) drawn from Generator(seed), so the same
// seed gives the same split (torch.utils.data.random_split, with keel's generator).
std::vector<std::shared_ptr<Subset>> random_split(std::shared_ptr<const Dataset> dataset,
                                                  const std::vector<std::int64_t>& lengths,
                                                  std::uint64_t seed);

}  // namespace keel::data
