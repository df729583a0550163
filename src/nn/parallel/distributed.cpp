// DistributedDataParallel: the module wrapper (construction-time broadcast, buffer broadcast in
// forward, no_sync); the gradient buckets are the Reducer's (reducer.cpp).
#include "keel/nn/parallel/distributed.h"

#include <cstdint>
#include <utility>
#include <vector>

#include "keel/autograd/grad_mode.h"
#include "keel/core/error.h"
#include "keel/tensor/factories.h"
#include "nn/parallel/reducer.h"

namespace keel::nn::parallel {
namespace {

// Rank 0's values of every tensor, one broadcast per dtype (PyTorch coalesces too): a
// BatchNorm model has three buffers per layer, and each broadcast costs a round trip that every
// training step's forward pays.
void broadcast_all(dist::ProcessGroup& group, const std::vector<Tensor>& tensors) {
  NoGradGuard no_grad;
  std::vector<bool> done(tensors.size(), false);
  for (std::size_t first = 0; first < tensors.size(); ++first) {
    if (done[first]) continue;
    const DType dtype = tensors[first].dtype();
    std::vector<std::size_t> members;
    std::int64_t total = 0;
    for (std::size_t k = first; k < tensors.size(); ++k) {
      if (done[k] || tensors[k].dtype() != dtype) continue;
      members.push_back(k);
      total += tensors[k].numel();
      done[k] = true;
    }
    Tensor flat = empty(Dims{total}, dtype);
    std::int64_t offset = 0;
    for (std::size_t k : members) {
      const Tensor& t = tensors[k];
      flat.narrow(0, offset, t.numel()).view(t.sizes()).copy_(t);
      offset += t.numel();
    }
    group.broadcast(flat, 0);
    if (group.rank() == 0) continue;
    offset = 0;
    for (std::size_t k : members) {
      Tensor t = tensors[k];
      t.copy_(flat.narrow(0, offset, t.numel()).view(t.sizes()));
      offset += t.numel();
    }
  }
}

}  // namespace

DistributedDataParallel::DistributedDataParallel(std::shared_ptr<Module> module,
                                                 std::shared_ptr<dist::ProcessGroup> group,
                                                 DDPOptions options)
    : Module("DistributedDataParallel"),
      module_(std::move(module)),
      group_(std::move(group)),
      options_(options) {
  KEEL_CHECK(module_ != nullptr, "DistributedDataParallel: the module is null");
  KEEL_CHECK(group_ != nullptr, "DistributedDataParallel: the process group is null");
  register_module("module", module_);
  // Every replica starts from rank 0's weights and buffers, whatever each rank's seed made.
  if (group_->size() > 1) {
    broadcast_all(*group_, module_->parameters());
    broadcast_all(*group_, module_->buffers());
  }
  std::vector<Tensor> trainable;
  for (const Tensor& p : module_->parameters()) {
    if (p.requires_grad()) trainable.push_back(p);
  }
  reducer_ = std::make_shared<detail::Reducer>(std::move(trainable), group_, options_.bucket_cap_mb,
                                               options_.gradient_as_bucket_view);
  reducer_->install_hooks();
}

DistributedDataParallel::~DistributedDataParallel() = default;

Tensor DistributedDataParallel::forward(const Tensor& input) {
  // PyTorch syncs buffers only when this forward will be followed by a synchronizing backward.
  if (options_.broadcast_buffers && group_->size() > 1 && is_training() && autograd::GradMode::is_enabled() &&
      reducer_->sync) {
    broadcast_all(*group_, module_->buffers());
  }
  return module_->forward(input);
}

void DistributedDataParallel::sync_buffers() {
  if (group_->size() > 1) broadcast_all(*group_, module_->buffers());
}

bool DistributedDataParallel::require_backward_grad_sync() const { return reducer_->sync; }

const DistributedDataParallel::Stats& DistributedDataParallel::stats() const { return reducer_->stats; }

void DistributedDataParallel::reset_stats() { reducer_->stats = Stats{}; }

DistributedDataParallel::NoSync::NoSync(DistributedDataParallel& ddp)
    : ddp_(&ddp), previous_(ddp.reducer_->sync) {
  ddp.reducer_->sync = false;
}

DistributedDataParallel::NoSync::~NoSync() { ddp_->reducer_->sync = previous_; }

}  // namespace keel::nn::parallel
