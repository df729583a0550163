#include "keel/data/dataset.h"

#include <numeric>

#include "keel/tensor/random.h"

namespace keel::data {

namespace {
void check_index(std::int64_t index, std::int64_t size, const char* what) {
  KEEL_CHECK(index >= 0 && index < size, what, ": index ", index, " is out of range for a dataset of size ",
             size);
}
}  // namespace

TensorDataset::TensorDataset(const Tensor& data, const Tensor& targets) {
  KEEL_CHECK(data.defined() && targets.defined(), "TensorDataset: data and targets must be defined tensors");
  KEEL_CHECK(data.dim() >= 1 && targets.dim() >= 1,
             "TensorDataset: data and targets need a first dim that indexes samples, got shapes ",
             data.sizes(), " and ", targets.sizes());
  KEEL_CHECK(data.size(0) == targets.size(0), "TensorDataset: size mismatch between tensors: data has ",
             data.size(0), " samples (shape ", data.sizes(), "), targets have ", targets.size(0), " (shape ",
             targets.sizes(), ")");
  data_ = data.detach().contiguous();
  targets_ = targets.detach().contiguous();
}

Example TensorDataset::get(std::int64_t index) const {
  check_index(index, size(), "TensorDataset");
  return {data_[index], targets_[index]};
}

Subset::Subset(std::shared_ptr<const Dataset> dataset, std::vector<std::int64_t> indices)
    : dataset_(std::move(dataset)) {
  KEEL_CHECK(dataset_ != nullptr, "Subset: dataset is null");
  const std::int64_t n = dataset_->size();
  for (std::size_t i = 0; i < indices.size(); ++i)
    KEEL_CHECK(indices[i] >= 0 && indices[i] < n, "Subset: index ", indices[i], " (position ", i,
               ") is out of range for a dataset of size ", n);
  indices_ = std::make_shared<const std::vector<std::int64_t>>(std::move(indices));
  if (std::optional<RowView> parent = dataset_->rows()) {
    rows_ = RowView{parent->data, parent->targets, indices_};
    if (parent->index) {
      auto composed = std::make_shared<std::vector<std::int64_t>>(indices_->size());
      for (std::size_t i = 0; i < indices_->size(); ++i) (*composed)[i] = (*parent->index)[(*indices_)[i]];
      rows_->index = std::move(composed);
    }
  }
}

Example Subset::get(std::int64_t index) const {
  check_index(index, size(), "Subset");
  return dataset_->get((*indices_)[index]);
}

std::optional<RowView> Subset::rows() const { return rows_; }

std::optional<Example> Subset::gather(const std::int64_t* indices, std::int64_t count) const {
  std::vector<std::int64_t> parent(static_cast<std::size_t>(count));
  for (std::int64_t k = 0; k < count; ++k) {
    check_index(indices[k], size(), "Subset");
    parent[static_cast<std::size_t>(k)] = (*indices_)[static_cast<std::size_t>(indices[k])];
  }
  return dataset_->gather(parent.data(), count);
}

std::vector<std::shared_ptr<Subset>> random_split(std::shared_ptr<const Dataset> dataset,
                                                  const std::vector<std::int64_t>& lengths,
                                                  std::uint64_t seed) {
  KEEL_CHECK(dataset != nullptr, "random_split: dataset is null");
  std::int64_t total = 0;
  for (std::int64_t len : lengths) {
    KEEL_CHECK(len >= 0, "random_split: lengths must be non-negative, got ", len);
    total += len;
  }
  KEEL_CHECK(total == dataset->size(), "random_split: sum of input lengths (", total,
             ") does not equal the length of the input dataset (", dataset->size(), ")");
  Generator gen(seed);
  Tensor perm = randperm(total, kInt64, &gen);
  const std::int64_t* p = perm.data_ptr<std::int64_t>();
  std::vector<std::shared_ptr<Subset>> out;
  std::int64_t start = 0;
  for (std::int64_t len : lengths) {
    out.push_back(std::make_shared<Subset>(dataset, std::vector<std::int64_t>(p + start, p + start + len)));
    start += len;
  }
  return out;
}

}  // namespace keel::data
