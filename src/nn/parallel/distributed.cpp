// DistributedDataParallel: the module wrapper (construction-time broadcast, buffer broadcast in
// forward, no_sync); the gradient buckets are the Reducer's (reducer.cpp).
#include "keel/nn/parallel/distributed.h"

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "keel/autograd/grad_mode.h"
#include "keel/core/error.h"
#include "keel/tensor/factories.h"
#include "nn/parallel/reducer.h"

namespace keel::nn::parallel {
namespace {

// The tensors' indices grouped by dtype, in first-seen order: one collective per group.
std::vector<std::vector<std::size_t>> by_dtype(const std::vector<Tensor>& tensors) {
  std::vector<std::vector<std::size_t>> groups;
  std::vector<DType> dtypes;
  for (std::size_t k = 0; k < tensors.size(); ++k) {
    const auto it = std::find(dtypes.begin(), dtypes.end(), tensors[k].dtype());
    if (it == dtypes.end()) {
      dtypes.push_back(tensors[k].dtype());
      groups.push_back({k});
    } else {
      groups[static_cast<std::size_t>(it - dtypes.begin())].push_back(k);
    }
  }
  return groups;
}

// The members' values side by side in one flat tensor (zeros when !fill).
Tensor flatten(const std::vector<Tensor>& tensors, const std::vector<std::size_t>& members, bool fill) {
  std::int64_t total = 0;
  for (std::size_t k : members) total += tensors[k].numel();
  const DType dtype = tensors[members[0]].dtype();
  if (!fill) return zeros(Dims{total}, dtype);
  Tensor flat = empty(Dims{total}, dtype);
  std::int64_t offset = 0;
  for (std::size_t k : members) {
    const Tensor& t = tensors[k];
    flat.narrow(0, offset, t.numel()).view(t.sizes()).copy_(t);
    offset += t.numel();
  }
  return flat;
}

void unflatten(const Tensor& flat, const std::vector<Tensor>& tensors,
               const std::vector<std::size_t>& members) {
  std::int64_t offset = 0;
  for (std::size_t k : members) {
    Tensor t = tensors[k];
    t.copy_(flat.narrow(0, offset, t.numel()).view(t.sizes()));
    offset += t.numel();
  }
}

// float64 slots a buffer takes in the packed form: an int64 is split into two exact halves.
std::int64_t packed_slots(const Tensor& t) { return t.dtype() == DType::Int64 ? 2 * t.numel() : t.numel(); }

// Every tensor's values in one float64 tensor, exactly: float32, float64 and bool convert
// without loss, and an int64 goes as its high and low 32 bits (each exact in a double). With
// !fill the slots hold -0.0, the identity of a floating-point sum (x + -0.0 is x, also for
// x = -0.0, where +0.0 would flip the sign), so an allreduce sum of rank 0's packing and the
// others' is rank 0's values bit for bit.
Tensor pack_exact(const std::vector<Tensor>& tensors, bool fill) {
  std::int64_t total = 0;
  for (const Tensor& t : tensors) total += packed_slots(t);
  Tensor flat = full(Dims{total}, -0.0, kFloat64);
  if (!fill) return flat;
  double* out = flat.data_ptr<double>();
  for (const Tensor& t : tensors) {
    const Tensor c = t.contiguous();
    const std::int64_t n = c.numel();
    switch (c.dtype()) {
      case DType::Float32:
        std::copy_n(c.data_ptr<float>(), n, out);
        break;
      case DType::Float64:
        std::copy_n(c.data_ptr<double>(), n, out);
        break;
      case DType::Bool:
        std::copy_n(c.data_ptr<bool>(), n, out);
        break;
      case DType::Int64: {
        const std::int64_t* in = c.data_ptr<std::int64_t>();
        for (std::int64_t i = 0; i < n; ++i) {
          out[2 * i] = static_cast<double>(in[i] >> 32);  // arithmetic shift: the signed high half
          out[2 * i + 1] = static_cast<double>(static_cast<std::uint32_t>(in[i]));
        }
        break;
      }
    }
    out += packed_slots(c);
  }
  return flat;
}

void unpack_exact(const Tensor& flat, const std::vector<Tensor>& tensors) {
  const double* in = flat.data_ptr<double>();
  for (const Tensor& target : tensors) {
    Tensor t = empty(target.sizes(), target.dtype());
    const std::int64_t n = t.numel();
    switch (t.dtype()) {
      case DType::Float32:
        for (std::int64_t i = 0; i < n; ++i) t.data_ptr<float>()[i] = static_cast<float>(in[i]);
        break;
      case DType::Float64:
        std::copy_n(in, n, t.data_ptr<double>());
        break;
      case DType::Bool:
        for (std::int64_t i = 0; i < n; ++i) t.data_ptr<bool>()[i] = in[i] != 0.0;
        break;
      case DType::Int64:
        for (std::int64_t i = 0; i < n; ++i) {
          const auto high = static_cast<std::int64_t>(in[2 * i]);
          const auto low = static_cast<std::uint64_t>(in[2 * i + 1]);
          t.data_ptr<std::int64_t>()[i] =
              static_cast<std::int64_t>((static_cast<std::uint64_t>(high) << 32) | low);
        }
        break;
    }
    Tensor(target).copy_(t);
    in += packed_slots(t);
  }
}

// Rank 0's values of every tensor, one broadcast per dtype (PyTorch coalesces too): a
// BatchNorm model has three buffers per layer, and each broadcast costs a round trip.
void broadcast_all(dist::ProcessGroup& group, const std::vector<Tensor>& tensors) {
  NoGradGuard no_grad;
  for (const auto& members : by_dtype(tensors)) {
    Tensor flat = flatten(tensors, members, true);
    group.broadcast(flat, 0);
    if (group.rank() != 0) unflatten(flat, tensors, members);
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
  land_buffer_sync();
  // PyTorch syncs buffers only when this forward will be followed by a synchronizing backward.
  const bool sync_buffers_now = options_.broadcast_buffers && group_->size() > 1 && is_training() &&
                                autograd::GradMode::is_enabled() && reducer_->sync;
  if (sync_buffers_now && options_.buffer_sync == BufferSync::kPreForward)
    broadcast_all(*group_, module_->buffers());
  Tensor out = module_->forward(input);
  if (sync_buffers_now && options_.buffer_sync == BufferSync::kPostForward) start_buffer_sync();
  return out;
}

void DistributedDataParallel::start_buffer_sync() {
  NoGradGuard no_grad;
  const std::vector<Tensor> buffers = module_->buffers();
  if (buffers.empty()) return;
  auto pending = std::make_unique<PendingBuffers>();
  // An allreduce (the process group has no asynchronous broadcast) of rank 0's values and the
  // others' -0.0: the sum is rank 0's values exactly.
  pending->flat = pack_exact(buffers, group_->rank() == 0);
  pending->work = group_->allreduce_async(pending->flat, dist::ReduceOp::Sum);
  pending_buffers_ = std::move(pending);
}

void DistributedDataParallel::land_buffer_sync() {
  if (!pending_buffers_) return;
  const std::unique_ptr<PendingBuffers> pending = std::move(pending_buffers_);
  pending->work->wait();
  // Rank 0 keeps its own buffers: they are the values it sent (or newer).
  if (group_->rank() == 0) return;
  NoGradGuard no_grad;
  unpack_exact(pending->flat, module_->buffers());
}

void DistributedDataParallel::sync_buffers() {
  land_buffer_sync();  // keeps the collectives in order; then rank 0's current values
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
