// DistributedDataParallel's buckets: fill them from gradient hooks, start each allreduce as soon
// as its bucket is full, and wait for all of them at the end of backward.
#include "nn/parallel/reducer.h"

#include <algorithm>
#include <string>

#include "keel/autograd/engine.h"
#include "keel/core/error.h"
#include "keel/tensor/factories.h"

namespace keel::nn::parallel::detail {

Reducer::Reducer(std::vector<Tensor> params, std::shared_ptr<dist::ProcessGroup> group, double bucket_cap_mb,
                 bool gradient_as_bucket_view)
    : params_(std::move(params)), group_(std::move(group)), grad_as_view_(gradient_as_bucket_view) {
  KEEL_CHECK(bucket_cap_mb > 0, "DistributedDataParallel: bucket_cap_mb must be positive, got ",
             bucket_cap_mb);
  const double cap_bytes = bucket_cap_mb * 1024.0 * 1024.0;
  // The first bucket is at most 1 MiB, as PyTorch's (dist._DEFAULT_FIRST_BUCKET_BYTES): the last
  // layers' gradients start on their way early even when the whole model fits in one cap.
  const double first_cap_bytes = std::min(cap_bytes, 1024.0 * 1024.0);
  bucket_of_.assign(params_.size(), 0);
  seen_.assign(params_.size(), false);
  // Reverse registration order, as PyTorch: the last layers' gradients come first in backward.
  // A bucket holds one dtype and closes when the next parameter would take it past the cap.
  std::vector<std::int64_t> numels;
  std::vector<DType> dtypes;
  for (std::size_t k = params_.size(); k-- > 0;) {
    const Tensor& p = params_[k];
    const auto bytes_of = [](std::int64_t numel, const Tensor& t) {
      return static_cast<double>(numel) * static_cast<double>(t.element_size());
    };
    bool fresh = buckets_.empty() || dtypes.back() != p.dtype() ||
                 (numels.back() > 0 && bytes_of(numels.back() + p.numel(), p) >
                                           (buckets_.size() == 1 ? first_cap_bytes : cap_bytes));
    if (fresh) {
      buckets_.emplace_back();
      numels.push_back(0);
      dtypes.push_back(p.dtype());
    }
    Bucket& b = buckets_.back();
    b.params.push_back(k);
    b.offsets.push_back(numels.back());
    numels.back() += p.numel();
    bucket_of_[k] = buckets_.size() - 1;
  }
  for (std::size_t i = 0; i < buckets_.size(); ++i) buckets_[i].flat = zeros(Dims{numels[i]}, dtypes[i]);
}

Tensor Reducer::slot_of(std::size_t param) const {
  const Bucket& b = buckets_[bucket_of_[param]];
  std::size_t slot = 0;
  while (b.params[slot] != param) ++slot;
  const Tensor& p = params_[param];
  return b.flat.narrow(0, b.offsets[slot], p.numel()).view(p.sizes());
}

void Reducer::install_hooks() {
  std::weak_ptr<Reducer> weak = weak_from_this();
  for (std::size_t k = 0; k < params_.size(); ++k) {
    params_[k].register_post_accumulate_grad_hook([weak, k](Tensor&) {
      if (auto self = weak.lock()) self->mark_ready(k);
    });
  }
}

void Reducer::mark_ready(std::size_t param) {
  if (!sync || group_->size() == 1) return;  // no_sync, or nothing to average over
  if (pass_token_.expired()) {
    // The first gradient of a synchronizing pass: arm the buckets and the end-of-pass sync.
    auto token = std::make_shared<int>(0);
    pass_token_ = token;
    next_to_start_ = 0;
    for (auto& b : buckets_) {
      b.pending = b.params.size();
      b.ready = false;
      b.work.reset();
    }
    seen_.assign(params_.size(), false);
    std::weak_ptr<Reducer> weak = weak_from_this();
    autograd::queue_callback([weak, token] {
      if (auto self = weak.lock()) self->finish();
    });
  }
  KEEL_CHECK(
      !seen_[param], "DistributedDataParallel: parameter ", param,
      " got its gradient twice in one backward pass (a parameter must reach backward through one leaf)");
  seen_[param] = true;
  Bucket& b = buckets_[bucket_of_[param]];
  Tensor slot = slot_of(param);
  const Tensor grad = params_[param].grad();
  // A gradient that is already the bucket's view (gradient_as_bucket_view) was accumulated there.
  if (grad.raw_data() != slot.raw_data()) slot.copy_(grad);
  if (--b.pending == 0) {
    b.ready = true;
    start_ready_buckets(true);
  }
}

void Reducer::start_ready_buckets(bool in_backward) {
  while (next_to_start_ < buckets_.size() && buckets_[next_to_start_].ready) {
    Bucket& b = buckets_[next_to_start_++];
    b.work = group_->allreduce_async(b.flat, dist::ReduceOp::Avg);
    if (in_backward) ++stats.buckets_started_in_backward;
  }
}

void Reducer::finish() {
  pass_token_.reset();
  // Parameters that got no gradient count as zeros.
  for (auto& b : buckets_) {
    if (b.ready) continue;
    for (std::size_t slot = 0; slot < b.params.size(); ++slot) {
      if (seen_[b.params[slot]]) continue;
      b.flat.narrow(0, b.offsets[slot], params_[b.params[slot]].numel()).zero_();
    }
    b.ready = true;
  }
  start_ready_buckets(false);
  const auto wait_start = std::chrono::steady_clock::now();
  for (auto& b : buckets_) b.work->wait();
  stats.wait_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - wait_start).count();
  for (auto& b : buckets_) {
    for (std::size_t slot = 0; slot < b.params.size(); ++slot) {
      const Tensor& p = params_[b.params[slot]];
      Tensor averaged = b.flat.narrow(0, b.offsets[slot], p.numel()).view(p.sizes());
      Tensor grad = p.grad();
      if (grad.defined() && grad.raw_data() == averaged.raw_data()) continue;  // the view itself
      if (grad_as_view_) {
        p.set_grad(averaged);
      } else if (grad.defined()) {
        grad.copy_(averaged);
      } else {
        p.set_grad(averaged.clone());
      }
    }
    b.work.reset();
    stats.bytes += b.flat.numel() * static_cast<std::int64_t>(b.flat.element_size());
  }
  stats.buckets += static_cast<std::int64_t>(buckets_.size());
  ++stats.syncs;
}

}  // namespace keel::nn::parallel::detail
