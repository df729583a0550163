#pragma once
// keel::dist: a group of processes that train together, as torch.distributed's process group.
// The collectives work on contiguous float32/float64/int64 CPU tensors in place. The interface
// is what a transport implements: MPI today (src/dist/mpi_process_group.cpp, built with
// -DKEEL_WITH_MPI=ON), a GPU collective library later. Without MPI (or when the program is not
// launched by mpirun) world() is a group of one process whose collectives do nothing.
#include <memory>
#include <string>
#include <vector>

#include "keel/tensor/tensor.h"

namespace keel::dist {

enum class ReduceOp { Sum, Avg, Max, Min };

// A collective that was started and may still run (torch.distributed's Work).
class Work {
 public:
  virtual ~Work() = default;
  // Blocks until the collective has finished; rethrows its error (naming the rank) if it failed.
  virtual void wait() = 0;
  virtual bool is_completed() = 0;
};

class ProcessGroup {
 public:
  virtual ~ProcessGroup() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // "local" (one process), "mpi", ...
  virtual std::string backend() const = 0;

  // In place over every rank's `tensor` (same shape and dtype on every rank).
  virtual void allreduce(Tensor& tensor, ReduceOp op = ReduceOp::Sum) = 0;
  // Starts an allreduce and returns at once; the tensor must stay alive and untouched until
  // wait(). Collectives complete in the order they were started, on every rank.
  virtual std::shared_ptr<Work> allreduce_async(Tensor& tensor, ReduceOp op = ReduceOp::Sum) = 0;
  // Every rank's `tensor` (same shape and dtype on every rank), in rank order.
  virtual std::vector<Tensor> allgather(const Tensor& tensor) = 0;
  // Copies root's `tensor` into every other rank's `tensor` in place.
  virtual void broadcast(Tensor& tensor, int root = 0) = 0;
  virtual void barrier() = 0;
  // Every rank's byte string (any length), in rank order (all_gather_object's role).
  virtual std::vector<std::string> allgather_bytes(const std::string& bytes) = 0;
  // Ends every process of the group with exit_code (MPI_Abort): what a rank that failed does,
  // so that the others never wait for it for ever. A 1-process group just exits.
  [[noreturn]] virtual void abort(int exit_code) = 0;
};

// A group of one process: rank 0 of 1; every collective leaves its input as it is.
std::shared_ptr<ProcessGroup> local_group();

// True when this process was started by an MPI launcher (mpirun/mpiexec/srun set the
// environment: OMPI_COMM_WORLD_SIZE, PMI_SIZE or PMIX_RANK) with more than one process.
bool launched_by_mpi();

// The default group: on first call, MPI's world when launched_by_mpi() and keel was built with
// MPI (an error naming the missing build option when it was not), else local_group().
std::shared_ptr<ProcessGroup> world();

// Shorthands over world().
inline int get_rank() { return world()->rank(); }
inline int get_world_size() { return world()->size(); }

}  // namespace keel::dist
