#pragma once
// Synchronized batch normalization (PyTorch's torch.nn.SyncBatchNorm function): batch norm
// whose statistics are those of the global batch, the concatenation of every rank's batch in
// a process group. Users call it through nn::SyncBatchNorm (keel/nn/sync_batch_norm.h).
#include <memory>

#include "keel/tensor/tensor.h"

namespace keel::dist {
class ProcessGroup;
}

namespace keel::ops {

// input (N, C, *), N may differ between ranks and may be 0 on some of them. In training, each
// rank's per-channel mean, biased variance and count are gathered (one allgather of 2C + 1
// doubles) and merged into the global batch's statistics, which normalize the input and, when
// running_mean/running_var are given, update them as batch_norm would over the global batch
// (unbiased variance with the global count). Its backward (node SyncBatchNormBackward) does
// one allreduce of the per-channel sums of dy and dy * xhat; grad weight and bias are this
// rank's own sums, as PyTorch's (DistributedDataParallel then averages them over the ranks).
// Every rank of the group must call it, and its backward, in the same order. The global batch
// must hold more than one value per channel. Not training: batch_norm with the running
// statistics, no communication. group null: dist::world().
Tensor sync_batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                       const Tensor& weight, const Tensor& bias, bool training, double momentum, double eps,
                       const std::shared_ptr<dist::ProcessGroup>& group = nullptr);

}  // namespace keel::ops
