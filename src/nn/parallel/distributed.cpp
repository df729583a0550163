// DistributedDataParallel: the module wrapper (construction-time broadcast, buffer broadcast in
// forward, no_sync); the gradient buckets are the Reducer's (reducer.cpp).
#include "keel/nn/parallel/distributed.h"

#include <utility>

#include "keel/autograd/grad_mode.h"
#include "keel/core/error.h"
#include "nn/parallel/reducer.h"

namespace keel::nn::parallel {
namespace {

void broadcast_all(dist::ProcessGroup& group, const std::vector<Tensor>& tensors) {
  for (Tensor t : tensors) group.broadcast(t, 0);
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
  reducer_ = std::make_shared<detail::Reducer>(std::move(trainable), group_, options_.bucket_cap_mb);
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

bool DistributedDataParallel::require_backward_grad_sync() const { return reducer_->sync; }

const DistributedDataParallel::Stats& DistributedDataParallel::stats() const { return reducer_->stats; }

void DistributedDataParallel::reset_stats() { reducer_->stats = Stats{}; }

DistributedDataParallel::NoSync::NoSync(DistributedDataParallel& ddp)
    : ddp_(&ddp), previous_(ddp.reducer_->sync) {
  ddp.reducer_->sync = false;
}

DistributedDataParallel::NoSync::~NoSync() { ddp_->reducer_->sync = previous_; }

}  // namespace keel::nn::parallel
