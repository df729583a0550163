#include "keel/data/dataloader.h"

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <mutex>
#include <numeric>
#include <thread>

#include "keel/data/distributed_sampler.h"
#include "keel/tensor/factories.h"
#include "keel/tensor/random.h"

namespace keel::data {

namespace {
// Keeps the transform's random stream apart from the shuffle's (both start from `seed`).
constexpr std::uint64_t kTransformSalt = 0x7472616E73666F72ULL;  // "transfor"
}  // namespace

// One pass over the data: its sample order, and the worker thread that makes its batches.
class DataLoader::Epoch {
 public:
  Epoch(const DataLoader& loader, std::int64_t epoch) : loader_(loader), epoch_(epoch) {
    order_ = loader.order(epoch);
    nbatches_ = loader.size();
    if (loader.options_.prefetch > 0 && nbatches_ > 0) worker_ = std::thread([this] { produce(); });
  }

  ~Epoch() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    can_push_.notify_all();
    if (worker_.joinable()) worker_.join();
  }

  bool next(Batch& out) {
    if (consumed_ >= nbatches_) return false;
    if (!worker_.joinable()) {
      // Drop the previous batch first: otherwise its tensors live until the assignment and the
      // caching allocator ends up holding two batches' blocks (3 MB each at 1000 images).
      out = Batch();
      out = loader_.make_batch(order_, epoch_, consumed_++);
      return true;
    }
    Slot slot;
    bool wake = false;
    {
      std::unique_lock<std::mutex> lock(mu_);
      can_pop_.wait(lock, [&] { return !queue_.empty(); });
      slot = std::move(queue_.front());
      queue_.pop_front();
      wake = producer_waiting_ && queue_.size() <= refill_at();
    }
    if (wake) can_push_.notify_one();
    ++consumed_;
    if (slot.error) {
      consumed_ = nbatches_;  // the worker has stopped: this epoch ends here
      std::rethrow_exception(slot.error);
    }
    out = std::move(slot.batch);
    return true;
  }

 private:
  struct Slot {
    Batch batch;
    std::exception_ptr error;
  };

  void produce() {
    const std::size_t depth = static_cast<std::size_t>(loader_.options_.prefetch);
    for (std::int64_t b = 0; b < nbatches_; ++b) {
      {
        // A full queue is refilled only once the consumer has drained it to refill_at(): each
        // wake-up is a system call costing the consumer 10-20 us on a VM (2% of a small CNN's
        // step when it came after every batch).
        std::unique_lock<std::mutex> lock(mu_);
        if (queue_.size() >= depth) {
          producer_waiting_ = true;
          can_push_.wait(lock, [&] { return stop_ || queue_.size() <= refill_at(); });
          producer_waiting_ = false;
        }
        if (stop_) return;
      }
      Slot slot;
      try {
        slot.batch = loader_.make_batch(order_, epoch_, b);
      } catch (...) {
        slot.error = std::current_exception();
      }
      const bool failed = slot.error != nullptr;
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (stop_) return;
        queue_.push_back(std::move(slot));
      }
      can_pop_.notify_one();
      if (failed) return;
    }
  }

  const DataLoader& loader_;
  const std::int64_t epoch_;
  std::vector<std::int64_t> order_;
  std::int64_t nbatches_ = 0;
  std::int64_t consumed_ = 0;

  std::mutex mu_;
  std::condition_variable can_push_, can_pop_;
  std::deque<Slot> queue_;
  bool stop_ = false;
  bool producer_waiting_ = false;  // for a drained queue: the producer waits on can_push_

  // The queue length at which a waiting producer is woken: half the depth, rounded down, so a
  // depth of 2 is refilled when empty.
  std::size_t refill_at() const { return static_cast<std::size_t>(loader_.options_.prefetch - 1) / 2; }
  std::thread worker_;  // last: starts after, and is joined before, the members above go
};

DataLoader::DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options)
    : dataset_(std::move(dataset)), options_(std::move(options)) {
  KEEL_CHECK(dataset_ != nullptr, "DataLoader: dataset is null");
  KEEL_CHECK(
      options_.batch_size > 0,
      "DataLoader: batch_size should be a positive integer value, but got batch_size=", options_.batch_size);
  KEEL_CHECK(options_.prefetch >= 0, "DataLoader: prefetch must be non-negative, got ", options_.prefetch);
  check_replicas(options_.num_replicas, options_.rank, "DataLoader");
  rows_ = dataset_->rows();
}

DataLoader::~DataLoader() { current_.reset(); }

std::int64_t DataLoader::size() const {
  const std::int64_t n = DistributedSampler::num_samples(dataset_->size(), options_.num_replicas, false);
  const std::int64_t b = options_.batch_size;
  return options_.drop_last ? n / b : (n + b - 1) / b;
}

void DataLoader::set_epoch(std::int64_t epoch) {
  KEEL_CHECK(epoch >= 0, "DataLoader: epoch must be non-negative, got ", epoch);
  next_epoch_ = epoch;
}

std::vector<std::int64_t> DataLoader::order(std::int64_t epoch) const {
  const std::int64_t n = dataset_->size();
  std::vector<std::int64_t> out(static_cast<std::size_t>(n));
  if (!options_.shuffle) {
    std::iota(out.begin(), out.end(), std::int64_t{0});
  } else {
    Generator gen(options_.seed);
    gen.set_offset(static_cast<std::uint64_t>(epoch) * static_cast<std::uint64_t>(n));
    Tensor perm = randperm(n, kInt64, &gen);
    if (n > 0) std::memcpy(out.data(), perm.data_ptr<std::int64_t>(), n * sizeof(std::int64_t));
  }
  return DistributedSampler::shard(out, options_.num_replicas, options_.rank, /*drop_last=*/false);
}

Batch DataLoader::batch(std::int64_t epoch, std::int64_t index) const {
  KEEL_CHECK(index >= 0 && index < size(), "DataLoader: batch index ", index, " is out of range for ", size(),
             " batches per epoch");
  return make_batch(order(epoch), epoch, index);
}

namespace {

// Shape (count, sample...) for samples of shape `sample`.
Dims batch_shape(std::int64_t count, const Dims& sample) {
  Dims out{count};
  for (std::int64_t s : sample) out.push_back(s);
  return out;
}

// Copies rows idx[0..count) of `src` (contiguous, first dim = rows) into a new tensor.
Tensor gather_rows(const Tensor& src, const std::int64_t* order, std::int64_t count,
                   const std::vector<std::int64_t>* index) {
  Dims sample = src.sizes();
  sample.erase(0);
  Tensor out = empty(batch_shape(count, sample), src.dtype());
  const std::size_t row_bytes = static_cast<std::size_t>(sample.numel()) * src.element_size();
  const auto* from = static_cast<const std::uint8_t*>(src.raw_data());
  auto* to = static_cast<std::uint8_t*>(out.raw_data());
  for (std::int64_t k = 0; k < count; ++k) {
    const std::int64_t row = index ? (*index)[order[k]] : order[k];
    std::memcpy(to + k * row_bytes, from + row * row_bytes, row_bytes);
  }
  return out;
}

// Stacks same-shaped, same-dtype tensors along a new first dim.
Tensor stack_samples(const std::vector<Tensor>& parts, const std::int64_t* order, const char* what) {
  const Tensor& first = parts.front();
  Tensor out = empty(batch_shape(static_cast<std::int64_t>(parts.size()), first.sizes()), first.dtype());
  const std::size_t bytes = static_cast<std::size_t>(first.numel()) * first.element_size();
  auto* to = static_cast<std::uint8_t*>(out.raw_data());
  for (std::size_t k = 0; k < parts.size(); ++k) {
    const Tensor& t = parts[k];
    KEEL_CHECK(t.defined(), "DataLoader: sample ", order[k], " has an undefined ", what);
    KEEL_CHECK(t.sizes() == first.sizes() && t.dtype() == first.dtype(), "DataLoader: cannot stack the ",
               what, " of sample ", order[k], " (shape ", t.sizes(), ", ", dtype_name(t.dtype()),
               ") with that of sample ", order[0], " (shape ", first.sizes(), ", ", dtype_name(first.dtype()),
               ") in one batch");
    Tensor c = t.contiguous();
    std::memcpy(to + k * bytes, c.raw_data(), bytes);
  }
  return out;
}

}  // namespace

Batch DataLoader::make_batch(const std::vector<std::int64_t>& order, std::int64_t epoch,
                             std::int64_t index) const {
  const std::int64_t n = static_cast<std::int64_t>(order.size());
  const std::int64_t start = index * options_.batch_size;
  const std::int64_t count = std::min(options_.batch_size, n - start);
  const std::int64_t* idx = order.data() + start;
  Batch batch;
  std::optional<Example> gathered;
  if (rows_) {
    batch.data = gather_rows(rows_->data, idx, count, rows_->index.get());
    batch.target = gather_rows(rows_->targets, idx, count, rows_->index.get());
  } else if ((gathered = dataset_->gather(idx, count))) {
    batch.data = std::move(gathered->data);
    batch.target = std::move(gathered->target);
  } else {
    std::vector<Tensor> data, target;
    data.reserve(count);
    target.reserve(count);
    for (std::int64_t k = 0; k < count; ++k) {
      Example e = dataset_->get(idx[k]);
      data.push_back(std::move(e.data));
      target.push_back(std::move(e.target));
    }
    batch.data = stack_samples(data, idx, "data");
    batch.target = stack_samples(target, idx, "target");
  }
  if (options_.transform) {
    Generator salted(options_.seed ^ kTransformSalt);
    Generator gen(
        Generator(salted.at(static_cast<std::uint64_t>(epoch))).at(static_cast<std::uint64_t>(index)));
    if (options_.rank > 0) gen = Generator(gen.at(static_cast<std::uint64_t>(options_.rank)));
    batch.data = options_.transform->apply(std::move(batch.data), gen);
  }
  return batch;
}

DataLoader::Iterator DataLoader::begin() {
  current_.reset();  // stops the worker of an unfinished epoch before starting another
  current_ = std::make_unique<Epoch>(*this, next_epoch_++);
  Iterator it(this, ++generation_);
  ++it;
  return it;
}

bool DataLoader::next(std::uint64_t generation, Batch& out) {
  KEEL_CHECK(generation == generation_ && current_ != nullptr,
             "DataLoader: this iterator belongs to an epoch that a later begin() replaced");
  return current_->next(out);
}

DataLoader::Iterator& DataLoader::Iterator::operator++() {
  if (!loader_->next(generation_, batch_)) {
    loader_ = nullptr;
    batch_ = Batch();
  }
  return *this;
}

}  // namespace keel::data
