#pragma once
// Private: DistributedDataParallel's gradient reducer (buckets, hooks, end-of-backward sync).
#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include "keel/dist/process_group.h"
#include "keel/nn/parallel/distributed.h"

namespace keel::nn::parallel::detail {

// What the bucket layout needs of a parameter: its gradient's size and dtype, and when it
// arrived in a measured backward pass (seconds since the pass began; -1: not measured).
struct BucketParam {
  std::int64_t bytes = 0;
  DType dtype = kFloat32;
  double ready_at = -1;
};

// The bucket of each entry of `order` (indices into params, in the order gradients are
// expected), numbered from 0: see reducer.cpp for the caps.
std::vector<std::size_t> bucket_layout(const std::vector<BucketParam>& params,
                                       const std::vector<std::size_t>& order, double cap_bytes);

class Reducer : public std::enable_shared_from_this<Reducer> {
 public:
  Reducer(std::vector<Tensor> params, std::shared_ptr<dist::ProcessGroup> group, double bucket_cap_mb,
          bool gradient_as_bucket_view = false);
  // Registers a post-accumulate hook on every parameter (after construction: the hooks hold a
  // weak_ptr to this reducer).
  void install_hooks();

  bool sync = true;  // false inside no_sync()
  DistributedDataParallel::Stats stats;

 private:
  struct Bucket {
    std::vector<std::size_t> params;    // indices into params_
    std::vector<std::int64_t> offsets;  // each parameter's first element in `flat`
    Tensor flat;                        // the gradients, contiguous, reduced in place
    std::size_t pending = 0;            // parameters of this pass not yet ready
    bool ready = false;                 // every gradient copied in
    std::shared_ptr<dist::Work> work;   // the running allreduce
  };

  void mark_ready(std::size_t param);
  void start_ready_buckets(bool in_backward);
  void finish();  // end of backward: start what is left, wait, write back

  // The slot of parameter k in its bucket, shaped as the parameter.
  Tensor slot_of(std::size_t param) const;
  // Buckets over the parameters in `order` (see reducer.cpp for the caps); ready_at: each
  // parameter's gradient arrival in seconds since its pass began (-1: not measured).
  void assign_buckets(const std::vector<std::size_t>& order, const std::vector<double>& ready_at);
  // Once, after the first synchronizing pass: buckets in the order the gradients arrived.
  void rebuild_buckets();

  std::vector<Tensor> params_;
  std::shared_ptr<dist::ProcessGroup> group_;
  bool grad_as_view_ = false;
  double cap_bytes_ = 0;
  bool rebuilt_ = false;
  std::vector<double> ready_at_;  // per parameter, in the first synchronizing pass
  std::chrono::steady_clock::time_point pass_start_;
  std::vector<Bucket> buckets_;
  std::vector<std::size_t> bucket_of_;  // per parameter
  std::vector<bool> seen_;              // per parameter: its gradient arrived in this pass
  std::size_t next_to_start_ = 0;       // buckets start in index order on every rank
  // Alive while a synchronizing backward pass runs: the end-of-pass callback holds the token,
  // so if backward throws and the engine drops the callback, the next pass starts afresh.
  std::weak_ptr<void> pass_token_;
};

}  // namespace keel::nn::parallel::detail
