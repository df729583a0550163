// DistributedDataParallel's buckets: fill them from gradient hooks, start each allreduce as soon
// as its bucket is full, and wait for all of them at the end of backward.
#include "nn/parallel/reducer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>

#include "keel/autograd/engine.h"
#include "keel/core/error.h"
#include "keel/tensor/factories.h"

namespace keel::nn::parallel::detail {

namespace {

// A gradient that arrives within this long after the previous one is produced by the same
// step of backward (a Linear's weight and bias come out of one node): splitting the two into
// separate buckets would only add an allreduce, since neither bucket could start earlier.
constexpr double kTogetherSeconds = 100e-6;

}  // namespace

Reducer::Reducer(std::vector<Tensor> params, std::shared_ptr<dist::ProcessGroup> group, double bucket_cap_mb,
                 bool gradient_as_bucket_view)
    : params_(std::move(params)), group_(std::move(group)), grad_as_view_(gradient_as_bucket_view) {
  KEEL_CHECK(bucket_cap_mb > 0, "DistributedDataParallel: bucket_cap_mb must be positive, got ",
             bucket_cap_mb);
  cap_bytes_ = bucket_cap_mb * 1024.0 * 1024.0;
  seen_.assign(params_.size(), false);
  ready_at_.assign(params_.size(), -1.0);
  // Reverse registration order, as PyTorch: the last layers' gradients come first in backward.
  std::vector<std::size_t> order;
  for (std::size_t k = params_.size(); k-- > 0;) order.push_back(k);
  assign_buckets(order, std::vector<double>(params_.size(), -1.0));
}

std::vector<std::size_t> bucket_layout(const std::vector<BucketParam>& params,
                                       const std::vector<std::size_t>& order, double cap_bytes) {
  // The first bucket is at most 1 MiB, as PyTorch's (dist._DEFAULT_FIRST_BUCKET_BYTES): the last
  // layers' gradients start on their way early even when the whole model fits in one cap. A
  // bucket holds one dtype and closes when the next parameter would take it past its cap,
  // unless that gradient arrived together with the previous one: then only the full cap
  // closes it.
  std::vector<std::size_t> bucket(order.size(), 0);
  std::size_t count = 0;
  double bytes = 0;
  for (std::size_t i = 0; i < order.size(); ++i) {
    const BucketParam& p = params[order[i]];
    if (i > 0) {
      const BucketParam& prev = params[order[i - 1]];
      const double soft_cap = count == 1 ? std::min(cap_bytes, 1024.0 * 1024.0) : cap_bytes;
      const bool together =
          p.ready_at >= 0 && prev.ready_at >= 0 && p.ready_at - prev.ready_at < kTogetherSeconds;
      const double with = bytes + static_cast<double>(p.bytes);
      const bool fresh =
          prev.dtype != p.dtype || (bytes > 0 && (with > cap_bytes || (with > soft_cap && !together)));
      if (fresh) bytes = 0;
      count += fresh ? 1 : 0;
    } else {
      count = 1;
    }
    bucket[i] = count - 1;
    bytes += static_cast<double>(p.bytes);
  }
  return bucket;
}

void Reducer::assign_buckets(const std::vector<std::size_t>& order, const std::vector<double>& ready_at) {
  std::vector<BucketParam> sizes;
  for (std::size_t k = 0; k < params_.size(); ++k)
    sizes.push_back({params_[k].numel() * static_cast<std::int64_t>(params_[k].element_size()),
                     params_[k].dtype(), ready_at[k]});
  const std::vector<std::size_t> bucket = bucket_layout(sizes, order, cap_bytes_);
  buckets_.assign(order.empty() ? 0 : bucket.back() + 1, Bucket{});
  bucket_of_.assign(params_.size(), 0);
  std::vector<std::int64_t> numels(buckets_.size(), 0);
  for (std::size_t i = 0; i < order.size(); ++i) {
    Bucket& b = buckets_[bucket[i]];
    b.params.push_back(order[i]);
    b.offsets.push_back(numels[bucket[i]]);
    numels[bucket[i]] += params_[order[i]].numel();
    bucket_of_[order[i]] = bucket[i];
  }
  for (std::size_t i = 0; i < buckets_.size(); ++i)
    buckets_[i].flat = zeros(Dims{numels[i]}, params_[buckets_[i].params[0]].dtype());
}

void Reducer::rebuild_buckets() {
  // PyTorch rebuilds its buckets once, after the first synchronizing pass, in the order the
  // gradients became ready there. Rank 0's order and timings decide (the buckets' allreduces
  // must match on every rank); a parameter that got no gradient goes last.
  const std::size_t n = params_.size();
  Tensor plan = zeros({static_cast<std::int64_t>(2 * n)}, kFloat64);
  double* d = plan.data_ptr<double>();
  if (group_->rank() == 0) {
    std::vector<std::size_t> order(n);
    for (std::size_t k = 0; k < n; ++k) order[k] = n - 1 - k;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      const double ta = ready_at_[a] < 0 ? INFINITY : ready_at_[a];
      const double tb = ready_at_[b] < 0 ? INFINITY : ready_at_[b];
      return ta < tb;
    });
    for (std::size_t i = 0; i < n; ++i) {
      d[i] = static_cast<double>(order[i]);
      d[n + order[i]] = ready_at_[order[i]];
    }
  }
  group_->broadcast(plan, 0);
  std::vector<std::size_t> order(n);
  std::vector<double> ready_at(n);
  for (std::size_t i = 0; i < n; ++i) {
    order[i] = static_cast<std::size_t>(d[i]);
    ready_at[i] = d[n + i];
  }
  assign_buckets(order, ready_at);
  if (!grad_as_view_) return;
  // Gradients that were views of the old buckets become views of the new ones.
  for (std::size_t k = 0; k < n; ++k) {
    const Tensor grad = params_[k].grad();
    if (!grad.defined()) continue;
    Tensor slot = slot_of(k);
    slot.copy_(grad);
    params_[k].set_grad(slot);
  }
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
    pass_start_ = std::chrono::steady_clock::now();
    std::weak_ptr<Reducer> weak = weak_from_this();
    autograd::queue_callback([weak, token] {
      if (auto self = weak.lock()) self->finish();
    });
  }
  KEEL_CHECK(
      !seen_[param], "DistributedDataParallel: parameter ", param,
      " got its gradient twice in one backward pass (a parameter must reach backward through one leaf)");
  seen_[param] = true;
  if (!rebuilt_)
    ready_at_[param] = std::chrono::duration<double>(std::chrono::steady_clock::now() - pass_start_).count();
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
  for (const auto& b : buckets_) {
    if (b.work->is_completed())
      stats.bytes_done_in_backward += b.flat.numel() * static_cast<std::int64_t>(b.flat.element_size());
  }
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
  if (!rebuilt_) {
    rebuilt_ = true;
    rebuild_buckets();
  }
}

}  // namespace keel::nn::parallel::detail
