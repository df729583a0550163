// The process group over MPI (built with KEEL_WITH_MPI).
//
// One communication thread per process owns every MPI call: it initializes MPI, runs the
// collectives one at a time in the order they were started, and finalizes MPI when the group is
// destroyed (at exit for world()). Callers only queue tasks and wait on Work objects, so an
// allreduce started from a backward hook runs while backward goes on, and MPI needs no more
// than MPI_THREAD_FUNNELED. Before each collective the thread waits for every rank to reach it
// (a non-blocking barrier), napping between tests unless a caller is blocked on the result:
// OpenMPI's blocking collectives poll, and the thread shares its core with the computation.
// Errors come back as MPI_ERRORS_RETURN codes and become keel::Error naming the rank; a rank
// that dies is mpirun's to notice (it ends every other rank).
#include <mpi.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "dist/mpi_world.h"
#include "keel/core/error.h"
#include "keel/dist/process_group.h"
#include "keel/tensor/factories.h"

namespace keel::dist {
namespace {

// Whether a caller is blocked on a collective's completion. OpenMPI's blocking collectives
// poll, and a rank's communication thread shares its core with the computation: while
// nobody waits, the thread sleeps between polls until every rank has reached the collective
// (the computation keeps the core); once somebody waits, it polls flat out.
class Waiters {
 public:
  void enter() {
    {
      std::lock_guard lock(mutex_);  // under the lock, so a nap cannot miss it
      ++count_;
    }
    cv_.notify_all();
  }
  void leave() { --count_; }
  // Read on every test of a rendezvous: an atomic, not the lock.
  bool any() const { return count_.load() > 0; }
  // Sleeps for up to `d`, returning as soon as somebody waits.
  void nap(std::chrono::microseconds d) {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, d, [this] { return count_.load() > 0; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::atomic<int> count_{0};
};

// A collective's completion: set once by the communication thread, waited on by the caller.
class MpiWork final : public Work {
 public:
  explicit MpiWork(std::shared_ptr<Waiters> waiters) : waiters_(std::move(waiters)) {}
  void wait() override {
    std::unique_lock lock(mutex_);
    if (!done_) {
      waiters_->enter();
      done_cv_.wait(lock, [this] { return done_; });
      waiters_->leave();
    }
    if (error_) std::rethrow_exception(error_);
  }
  bool is_completed() override {
    std::lock_guard lock(mutex_);
    return done_;
  }
  void finish(std::exception_ptr error) {
    {
      std::lock_guard lock(mutex_);
      done_ = true;
      error_ = std::move(error);
    }
    done_cv_.notify_all();
  }

 private:
  std::shared_ptr<Waiters> waiters_;
  std::mutex mutex_;
  std::condition_variable done_cv_;
  bool done_ = false;
  std::exception_ptr error_;
};

// An exception that escapes a rank ends it through std::terminate, and mpirun then ends the
// others; mpirun's own report of which rank died can be lost (OpenMPI 4.1), so the rank says it
// first, then the previous handler runs (it prints the exception and aborts).
int g_terminating_rank = -1;
int g_group_size = 0;
std::terminate_handler g_previous_terminate = nullptr;

void name_rank_and_terminate() {
  std::fprintf(stderr, "keel: rank %d of %d terminates", g_terminating_rank, g_group_size);
  if (std::exception_ptr error = std::current_exception()) {
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      std::fprintf(stderr, " on an uncaught exception: %s", e.what());
    } catch (...) {
      std::fprintf(stderr, " on an uncaught exception");
    }
  }
  std::fprintf(stderr, "\n");
  std::fflush(stderr);
  if (g_previous_terminate != nullptr) g_previous_terminate();
  std::abort();
}

MPI_Datatype mpi_type(DType dtype) {
  switch (dtype) {
    case DType::Float32:
      return MPI_FLOAT;
    case DType::Float64:
      return MPI_DOUBLE;
    case DType::Int64:
      return MPI_INT64_T;
    case DType::Bool:  // C++'s bool is C's _Bool here (one byte): copied, never reduced
      return MPI_C_BOOL;
  }
  throw Error("keel::dist (mpi): collectives take float32, float64, int64 or bool tensors, not " +
              std::string(dtype_name(dtype)));
}

MPI_Op mpi_op(ReduceOp op) {
  switch (op) {
    case ReduceOp::Sum:
    case ReduceOp::Avg:  // a sum, divided by the group size afterwards
      return MPI_SUM;
    case ReduceOp::Max:
      return MPI_MAX;
    case ReduceOp::Min:
      return MPI_MIN;
  }
  return MPI_SUM;
}

int checked_count(const Tensor& tensor, const char* what) {
  KEEL_CHECK(tensor.defined(), "keel::dist::", what, ": the tensor is undefined");
  KEEL_CHECK(tensor.device().is_cpu(), "keel::dist::", what, " (mpi): the tensor must be on the CPU, not ",
             tensor.device());
  KEEL_CHECK(tensor.is_contiguous(), "keel::dist::", what, ": the tensor must be contiguous (shape ",
             tensor.sizes(), ")");
  KEEL_CHECK(tensor.numel() <= INT32_MAX, "keel::dist::", what, ": ", tensor.numel(),
             " elements is more than one MPI call takes (2^31 - 1)");
  mpi_type(tensor.dtype());  // throws on an unsupported dtype
  return static_cast<int>(tensor.numel());
}

template <class T>
void divide(void* data, std::int64_t n, int by) {
  T* p = static_cast<T*>(data);
  if constexpr (std::is_floating_point_v<T>) {
    if ((by & (by - 1)) == 0) {
      // By a power of two, x * (1 / by) is x / by exactly, and a multiply is several times
      // cheaper than a divide (this pass is on every step's critical path).
      const T inverse = T(1) / static_cast<T>(by);
      for (std::int64_t i = 0; i < n; ++i) p[i] *= inverse;
      return;
    }
  }
  for (std::int64_t i = 0; i < n; ++i) p[i] /= static_cast<T>(by);
}

class MpiProcessGroup final : public ProcessGroup {
 public:
  MpiProcessGroup() {
    std::exception_ptr init_error;
    std::mutex ready_mutex;
    std::condition_variable ready_cv;
    bool ready = false;
    thread_ = std::thread([&] {
#ifdef __linux__
      // Naps of tens of microseconds: the default 50 us timer slack would stretch each one.
      prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
#endif
      try {
        init_mpi();
      } catch (...) {
        init_error = std::current_exception();
      }
      bool ok = init_error == nullptr;
      {
        std::lock_guard lock(ready_mutex);
        ready = true;
      }
      ready_cv.notify_all();
      if (ok) serve();
    });
    std::unique_lock lock(ready_mutex);
    ready_cv.wait(lock, [&] { return ready; });
    lock.unlock();
    if (init_error) {
      thread_.join();
      std::rethrow_exception(init_error);
    }
    g_terminating_rank = rank_;
    g_group_size = size_;
    g_previous_terminate = std::set_terminate(name_rank_and_terminate);
  }

  ~MpiProcessGroup() override {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    queue_cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  std::string backend() const override { return "mpi"; }

  void allreduce(Tensor& tensor, ReduceOp op) override { allreduce_async(tensor, op)->wait(); }

  std::shared_ptr<Work> allreduce_async(Tensor& tensor, ReduceOp op) override {
    int count = checked_count(tensor, "allreduce");
    KEEL_CHECK(tensor.dtype() != DType::Bool,
               "keel::dist::allreduce (mpi): a bool tensor cannot be reduced; broadcast or allgather it");
    Tensor t = tensor;  // keeps the storage alive until the collective has run
    return submit([this, t, count, op] {
      check(MPI_Allreduce(MPI_IN_PLACE, t.raw_data(), count, mpi_type(t.dtype()), mpi_op(op), MPI_COMM_WORLD),
            "MPI_Allreduce");
      if (op == ReduceOp::Avg) average(t);
    });
  }

  std::vector<Tensor> allgather(const Tensor& tensor) override {
    int count = checked_count(tensor, "allgather");
    Tensor all = empty(Dims{static_cast<std::int64_t>(size_) * tensor.numel()}, tensor.dtype());
    Tensor in = tensor;
    run([&] {
      MPI_Datatype type = mpi_type(in.dtype());
      check(MPI_Allgather(in.raw_data(), count, type, all.raw_data(), count, type, MPI_COMM_WORLD),
            "MPI_Allgather");
    });
    std::vector<Tensor> out;
    out.reserve(size_);
    for (int r = 0; r < size_; ++r) {
      out.push_back(all.narrow(0, r * tensor.numel(), tensor.numel()).reshape(tensor.sizes()).clone());
    }
    return out;
  }

  void broadcast(Tensor& tensor, int root) override {
    KEEL_CHECK(root >= 0 && root < size_, "keel::dist::broadcast: root ", root, " is not a rank of a ", size_,
               "-process group");
    int count = checked_count(tensor, "broadcast");
    Tensor t = tensor;
    run([&] {
      check(MPI_Bcast(t.raw_data(), count, mpi_type(t.dtype()), root, MPI_COMM_WORLD), "MPI_Bcast");
    });
  }

  void barrier() override {
    run([&] { check(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier"); });
  }

  std::vector<std::string> allgather_bytes(const std::string& bytes) override {
    KEEL_CHECK(bytes.size() <= static_cast<std::size_t>(INT32_MAX),
               "keel::dist::allgather_bytes: ", bytes.size(),
               " bytes is more than one MPI call takes (2^31 - 1)");
    std::vector<std::string> out(size_);
    run([&] {
      int mine = static_cast<int>(bytes.size());
      std::vector<int> lengths(size_), offsets(size_);
      check(MPI_Allgather(&mine, 1, MPI_INT, lengths.data(), 1, MPI_INT, MPI_COMM_WORLD), "MPI_Allgather");
      std::int64_t total = 0;
      for (int r = 0; r < size_; ++r) {
        offsets[r] = static_cast<int>(total);
        total += lengths[r];
      }
      KEEL_CHECK(total <= INT32_MAX, "keel::dist::allgather_bytes: ", total,
                 " bytes over all ranks is more than one MPI call takes (2^31 - 1)");
      std::string all(static_cast<std::size_t>(total), '\0');
      check(MPI_Allgatherv(bytes.data(), mine, MPI_BYTE, all.data(), lengths.data(), offsets.data(), MPI_BYTE,
                           MPI_COMM_WORLD),
            "MPI_Allgatherv");
      for (int r = 0; r < size_; ++r) out[r] = all.substr(offsets[r], lengths[r]);
    });
    return out;
  }

  [[noreturn]] void abort(int exit_code) override {
    // mpirun's own report of an MPI_Abort ("invoked on rank N") is sometimes lost in a race
    // inside OpenMPI 4.1, so say which rank ends the job here, in one line.
    std::fprintf(stderr, "keel: rank %d of %d ends the job (exit code %d)\n", rank_, size_, exit_code);
    std::fflush(stderr);
    // Called from the failing thread, not the communication thread: that one may be blocked in
    // a collective the other ranks never join. OpenMPI's MPI_Abort works from any thread; it
    // makes mpirun end every rank.
    MPI_Abort(MPI_COMM_WORLD, exit_code);
    std::_Exit(exit_code);  // not reached
  }

 private:
  void init_mpi() {
    int initialized = 0;
    MPI_Initialized(&initialized);
    KEEL_CHECK(!initialized,
               "keel::dist (mpi): MPI was initialized outside keel; keel's communication thread "
               "must own it");
    int provided = 0;
    int rc = MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
    KEEL_CHECK(rc == MPI_SUCCESS, "keel::dist (mpi): MPI_Init_thread failed (", error_string(rc), ")");
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
  }

  // The communication thread's loop: run queued collectives in start order until stopped,
  // then finalize MPI.
  void serve() {
    for (;;) {
      std::pair<std::function<void()>, std::shared_ptr<MpiWork>> task;
      {
        std::unique_lock lock(mutex_);
        queue_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) break;  // stopping, and every started collective has run
        task = std::move(queue_.front());
        queue_.pop_front();
      }
      std::exception_ptr error;
      try {
        rendezvous();
        task.first();
      } catch (...) {
        error = std::current_exception();
      }
      task.second->finish(error);
    }
    MPI_Finalize();
  }

  // Between tests of a rendezvous nobody waits for. Measured on a 2-rank MLP epoch: 20 us naps
  // (a wake-up every ~25 us on the computing core) gave 2.2-2.5 s, 200 us 2.2 s, and no
  // rendezvous at all 2.7-3.0 s. A late test costs the other rank at most this much polling.
  static constexpr std::chrono::microseconds kNap{200};

  // Returns once every rank has started the same collective: a non-blocking barrier, tested
  // with naps between tests while nobody waits for the collective (see Waiters). The blocking
  // collective that follows then spends its polling on moving data, not on waiting for a
  // slower rank.
  void rendezvous() {
    if (size_ == 1) return;
    MPI_Request request;
    check(MPI_Ibarrier(MPI_COMM_WORLD, &request), "MPI_Ibarrier");
    for (int done = 0;;) {
      check(MPI_Test(&request, &done, MPI_STATUS_IGNORE), "MPI_Test");
      if (done) return;
      if (!waiters_->any()) waiters_->nap(kNap);
    }
  }

  std::shared_ptr<Work> submit(std::function<void()> fn) {
    auto work = std::make_shared<MpiWork>(waiters_);
    {
      std::lock_guard lock(mutex_);
      KEEL_CHECK(!stopping_, "keel::dist (mpi): the process group is shutting down");
      queue_.emplace_back(std::move(fn), work);
    }
    queue_cv_.notify_one();
    return work;
  }

  // Blocking calls are a queued task and a wait, so they keep their place among async ones.
  void run(std::function<void()> fn) { submit(std::move(fn))->wait(); }

  void average(const Tensor& t) const {
    switch (t.dtype()) {
      case DType::Float32:
        divide<float>(t.raw_data(), t.numel(), size_);
        break;
      case DType::Float64:
        divide<double>(t.raw_data(), t.numel(), size_);
        break;
      default:  // int64: truncating division, as torch.distributed's AVG on integers
        divide<std::int64_t>(t.raw_data(), t.numel(), size_);
        break;
    }
  }

  static std::string error_string(int rc) {
    char text[MPI_MAX_ERROR_STRING];
    int length = 0;
    if (MPI_Error_string(rc, text, &length) != MPI_SUCCESS) return "MPI error " + std::to_string(rc);
    return std::string(text, static_cast<std::size_t>(length));
  }

  void check(int rc, const char* call) const {
    if (rc == MPI_SUCCESS) return;
    throw Error(std::string("keel::dist (mpi): ") + call + " failed on rank " + std::to_string(rank_) +
                " of " + std::to_string(size_) + ": " + error_string(rc));
  }

  int rank_ = 0;
  int size_ = 1;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable queue_cv_;
  bool stopping_ = false;
  std::deque<std::pair<std::function<void()>, std::shared_ptr<MpiWork>>> queue_;
  std::shared_ptr<Waiters> waiters_ = std::make_shared<Waiters>();
};

}  // namespace

namespace detail {
std::shared_ptr<ProcessGroup> make_mpi_world() { return std::make_shared<MpiProcessGroup>(); }
}  // namespace detail

}  // namespace keel::dist
