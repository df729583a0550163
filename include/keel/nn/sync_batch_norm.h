#pragma once
// nn::SyncBatchNorm: PyTorch 1.13's torch.nn.SyncBatchNorm. Batch normalization whose training
// statistics are those of the global batch over a process group (ops::sync_batch_norm), for
// data-parallel training where each rank holds part of the batch. The same options, defaults,
// state_dict keys and repr as BatchNorm; inputs (N, C, *) of any rank >= 2. In one process
// (or in evaluation mode) it runs batch_norm itself, as PyTorch does.
#include <cstdint>
#include <memory>
#include <optional>

#include "keel/nn/normalization.h"

namespace keel::dist {
class ProcessGroup;
}

namespace keel::nn {

class SyncBatchNorm : public NormBase {
 public:
  // process_group null: dist::world(), looked up at each forward.
  explicit SyncBatchNorm(std::int64_t num_features, double eps = 1e-5, std::optional<double> momentum = 0.1,
                         bool affine = true, bool track_running_stats = true,
                         std::shared_ptr<dist::ProcessGroup> process_group = nullptr, DType dtype = kFloat32);
  Tensor forward(const Tensor& x) override;

  // Replaces every BatchNorm1d/BatchNorm2d in the tree under `module` by a SyncBatchNorm over
  // `process_group` that takes over its weight, bias, running statistics and
  // num_batches_tracked (the same tensors, as PyTorch's), eps, momentum and training mode.
  // Returns the new root when `module` itself is a BatchNorm, else `module`, changed in place.
  static std::shared_ptr<Module> convert_sync_batchnorm(
      std::shared_ptr<Module> module, std::shared_ptr<dist::ProcessGroup> process_group = nullptr);

  std::shared_ptr<dist::ProcessGroup> process_group;

 protected:
  void check_input_dim(const Tensor& x) const override;
};

}  // namespace keel::nn
