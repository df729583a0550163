#pragma once
// nn::parallel::DistributedDataParallel: data-parallel training over a dist::ProcessGroup, as
// torch.nn.parallel.DistributedDataParallel. Every rank holds a replica of the module and its
// own share of each batch; after backward every replica's gradients are the average over the
// ranks, so identical optimizer steps keep the replicas identical.
//
// Gradients are reduced in buckets of about bucket_cap_mb (the first one at most 1 MiB, as in
// PyTorch), filled with the parameters in reverse registration order (roughly the order
// backward produces their gradients) and, as PyTorch does, rebuilt once after the first
// synchronizing pass in the order the gradients arrived there (rank 0's), where gradients that
// arrived together stay in one bucket past the first bucket's 1 MiB. A bucket's
// allreduce starts, asynchronously, as soon as the last of its gradients has been accumulated
// (a post-accumulate hook on each parameter), so communication overlaps the rest of backward;
// at the end of backward (an autograd end-of-pass callback) every bucket is waited for and the
// averaged gradients are written back before backward() returns.
//
// A parameter that got no gradient in a backward pass counts as a zero gradient: its share of
// the bucket is zero on that rank, and after the pass its grad() holds the average over the
// ranks (zero where no rank used it). Parameters must be used at most once per backward pass
// through one leaf (the usual case; tied weights are one leaf).
//
// Buckets start in the same order on every rank (a ready bucket waits for the earlier ones),
// since the collectives must match across ranks.
#include <cstdint>
#include <memory>
#include <vector>

#include "keel/dist/process_group.h"
#include "keel/nn/module.h"

namespace keel::nn::parallel {

// When broadcast_buffers copies rank 0's buffers to the other ranks.
enum class BufferSync {
  // Before each forward, blocking: PyTorch's default. Every step's forward waits for every rank.
  kPreForward,
  // Right after each forward, asynchronously (the communication runs during backward), landing
  // at the start of the next forward: PyTorch's POST_FORWARD buffer hook location. Each forward
  // then starts from the buffers rank 0 had after the previous one, as with kPreForward, unless
  // something changes rank 0's buffers in between; and no step waits for the other ranks
  // before backward.
  kPostForward,
};

struct DDPOptions {
  // Copy rank 0's buffers (BatchNorm's running statistics) to every rank around each forward
  // in training with gradients enabled, as PyTorch does (buffer_sync says when).
  bool broadcast_buffers = true;
  // Target bucket size in MiB (PyTorch's default 25).
  double bucket_cap_mb = 25.0;
  // PyTorch's gradient_as_bucket_view: after the first synchronizing backward each
  // parameter's .grad is a view into its bucket, so backward accumulates straight into the
  // bucket and the copies in and out of it are skipped (while zero_grad() zeroes in place).
  // Off by default, as in PyTorch; `keel train` turns it on.
  bool gradient_as_bucket_view = false;
  // kPostForward saves a synchronization point per step; `keel train` uses it.
  BufferSync buffer_sync = BufferSync::kPreForward;
};

namespace detail {
class Reducer;
}

class DistributedDataParallel : public Module {
 public:
  // Communication statistics, summed over the synchronizing backward passes (for benchmarks).
  struct Stats {
    std::int64_t syncs = 0;    // backward passes whose gradients were reduced
    std::int64_t buckets = 0;  // buckets reduced
    // Buckets whose allreduce started from a gradient hook while backward was still running
    // (the rest start at the end of backward: those with a parameter that got no gradient).
    std::int64_t buckets_started_in_backward = 0;
    std::int64_t bytes = 0;     // bytes of gradient reduced (per rank)
    double wait_seconds = 0.0;  // time the end of backward spent waiting for the allreduces
    // Bytes of the buckets whose allreduce had finished when backward ended: communication
    // wholly hidden behind the rest of backward.
    std::int64_t bytes_done_in_backward = 0;
  };

  // Wraps `module` (registered as the child "module", so state_dict() keys carry PyTorch's
  // "module." prefix) and copies rank 0's parameters and buffers to every rank.
  explicit DistributedDataParallel(std::shared_ptr<Module> module,
                                   std::shared_ptr<dist::ProcessGroup> group = dist::world(),
                                   DDPOptions options = {});
  ~DistributedDataParallel() override;

  // Syncs rank 0's buffers when broadcast_buffers (in training, with gradients enabled,
  // outside no_sync: before the module runs, or after with BufferSync::kPostForward), and runs
  // the module. A post-forward sync still in flight lands first.
  Tensor forward(const Tensor& input) override;

  // Copies rank 0's buffers to every rank now (one broadcast per dtype): what forward does
  // under broadcast_buffers, for a caller about to use the replicas outside training (a
  // data-parallel evaluation, where every rank must see the running statistics rank 0 saves).
  void sync_buffers();

  // The wrapped module (what a checkpoint saves, without the "module." prefix).
  std::shared_ptr<Module> module() const { return module_; }
  const std::shared_ptr<dist::ProcessGroup>& process_group() const { return group_; }
  const DDPOptions& options() const { return options_; }

  // While a NoSync is alive, backward accumulates gradients locally without communicating
  // (gradient accumulation); the first backward after it ends reduces the accumulated
  // gradients. Not copyable; nests.
  class NoSync {
   public:
    explicit NoSync(DistributedDataParallel& ddp);
    ~NoSync();
    NoSync(const NoSync&) = delete;
    NoSync& operator=(const NoSync&) = delete;

   private:
    DistributedDataParallel* ddp_;
    bool previous_;
  };
  NoSync no_sync() { return NoSync(*this); }
  // False inside no_sync().
  bool require_backward_grad_sync() const;

  const Stats& stats() const;
  void reset_stats();

 private:
  std::shared_ptr<Module> module_;
  std::shared_ptr<dist::ProcessGroup> group_;
  DDPOptions options_;
  // Shared with the parameters' hooks, which hold it weakly: hooks of a destroyed DDP do nothing.
  std::shared_ptr<detail::Reducer> reducer_;
  // A post-forward buffer sync in flight: one allreduce of every buffer, packed exactly into
  // float64 (rank 0's values, -0.0 elsewhere, so the sum is rank 0's values bit for bit). One
  // collective, not one per dtype: it runs every step, and each costs a round trip.
  struct PendingBuffers {
    Tensor flat;
    std::shared_ptr<dist::Work> work;
  };
  std::unique_ptr<PendingBuffers> pending_buffers_;
  void start_buffer_sync();
  void land_buffer_sync();
};

}  // namespace keel::nn::parallel
