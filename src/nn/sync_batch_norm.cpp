#include "keel/nn/sync_batch_norm.h"

#include "keel/dist/process_group.h"
#include "keel/nn/functional_norm.h"
#include "keel/ops/sync_batch_norm.h"

namespace keel::nn {

SyncBatchNorm::SyncBatchNorm(std::int64_t num_features, double eps, std::optional<double> momentum,
                             bool affine, bool track_running_stats,
                             std::shared_ptr<dist::ProcessGroup> process_group, DType dtype)
    : NormBase("SyncBatchNorm", num_features, eps, momentum, affine, track_running_stats, dtype),
      process_group(std::move(process_group)) {}

void SyncBatchNorm::check_input_dim(const Tensor& x) const {
  KEEL_CHECK(x.dim() >= 2, "SyncBatchNorm(", num_features, "): expected at least 2D input (got ", x.dim(),
             "D input of shape ", x.sizes(), ")");
  KEEL_CHECK(x.size(1) == num_features, "SyncBatchNorm(", num_features, "): expected input with ",
             num_features, " channels (dim 1), got input of shape ", x.sizes());
}

// PyTorch's SyncBatchNorm.forward: the factor and num_batches_tracked as _BatchNorm's; the
// statistics are synchronized only when training over more than one rank.
Tensor SyncBatchNorm::forward(const Tensor& x) {
  check_input_dim(x);
  double factor = momentum.value_or(0.0);
  if (is_training() && track_running_stats) {
    num_batches_tracked.add_(1.0);
    // momentum None: a cumulative moving average over the batches seen so far.
    if (!momentum) factor = 1.0 / static_cast<double>(num_batches_tracked.item<std::int64_t>());
  }
  const bool use_batch_stats = is_training() || !track_running_stats;
  const bool pass_running = !is_training() || track_running_stats;
  const Tensor rm = pass_running ? running_mean : Tensor(), rv = pass_running ? running_var : Tensor();
  if (is_training()) {
    std::shared_ptr<dist::ProcessGroup> group = process_group ? process_group : dist::world();
    if (group->size() > 1) return ops::sync_batch_norm(x, rm, rv, weight, bias, true, factor, eps, group);
  }
  return functional::batch_norm(x, rm, rv, weight, bias, use_batch_stats, factor, eps);
}

std::shared_ptr<Module> SyncBatchNorm::convert_sync_batchnorm(
    std::shared_ptr<Module> module, std::shared_ptr<dist::ProcessGroup> process_group) {
  KEEL_CHECK(module != nullptr, "SyncBatchNorm::convert_sync_batchnorm: module is null");
  std::shared_ptr<Module> out = module;
  if (auto* bn = module->as<BatchNormBase>()) {
    auto sync = std::make_shared<SyncBatchNorm>(bn->num_features, bn->eps, bn->momentum, bn->affine,
                                                bn->track_running_stats, process_group);
    // The same tensors, not copies: an optimizer or a state_dict taken before still sees them.
    if (bn->affine) {
      sync->weight = sync->param("weight") = bn->weight;
      sync->bias = sync->param("bias") = bn->bias;
    }
    if (bn->track_running_stats) {
      sync->running_mean = sync->buffer("running_mean") = bn->running_mean;
      sync->running_var = sync->buffer("running_var") = bn->running_var;
      sync->num_batches_tracked = sync->buffer("num_batches_tracked") = bn->num_batches_tracked;
    }
    sync->train(bn->is_training());
    out = sync;
  }
  for (const auto& [name, child] : module->named_children())
    out->replace_module(name, convert_sync_batchnorm(child, process_group));
  return out;
}

}  // namespace keel::nn
