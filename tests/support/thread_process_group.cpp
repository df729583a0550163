#include "support/thread_process_group.h"

#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <string>
#include <thread>

#include "keel/autograd/grad_mode.h"
#include "keel/core/error.h"
#include "keel/ops/elementwise.h"

namespace keel::testing {
namespace {

// What one rank brings to a collective.
struct Slot {
  Tensor tensor;
  std::string bytes;
};

// The meeting point of the n ranks: a reusable two-phase barrier that swaps every rank's slot.
class Rendezvous {
 public:
  explicit Rendezvous(int n) : n_(n), slots_(static_cast<std::size_t>(n)) {}

  // Every rank's slot, in rank order, once all n ranks have called it.
  std::vector<Slot> exchange(int rank, Slot mine) {
    std::unique_lock<std::mutex> lock(mu_);
    // The previous round must be fully read before its slots are overwritten.
    wait(lock, rank, [&] { return !draining_; });
    slots_[static_cast<std::size_t>(rank)] = std::move(mine);
    if (++arrived_ == n_) {
      draining_ = true;
      ++generation_;
      cv_.notify_all();
    } else {
      const long long g = generation_;
      wait(lock, rank, [&] { return generation_ != g; });
    }
    std::vector<Slot> all = slots_;
    if (--arrived_ == 0) {
      draining_ = false;
      cv_.notify_all();
    }
    return all;
  }

  // A rank failed: the others stop waiting for it.
  void fail(int rank) {
    std::lock_guard<std::mutex> lock(mu_);
    if (failed_rank_ < 0) failed_rank_ = rank;
    cv_.notify_all();
  }

 private:
  template <class Pred>
  void wait(std::unique_lock<std::mutex>& lock, int rank, Pred ready) {
    const bool ok =
        cv_.wait_for(lock, std::chrono::seconds(60), [&] { return ready() || failed_rank_ >= 0; });
    KEEL_CHECK(failed_rank_ < 0, "thread process group: rank ", failed_rank_, " failed while rank ", rank,
               " waited for it in a collective");
    KEEL_CHECK(ok, "thread process group: rank ", rank, " waited 60 s for the other ranks in a collective");
  }

  const int n_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Slot> slots_;
  int arrived_ = 0;
  bool draining_ = false;
  long long generation_ = 0;
  int failed_rank_ = -1;
};

class DoneWork final : public dist::Work {
 public:
  void wait() override {}
  bool is_completed() override { return true; }
};

class ThreadProcessGroup final : public dist::ProcessGroup {
 public:
  ThreadProcessGroup(std::shared_ptr<Rendezvous> meet, int rank, int size)
      : meet_(std::move(meet)), rank_(rank), size_(size) {}

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  std::string backend() const override { return "threads"; }

  void allreduce(Tensor& tensor, dist::ReduceOp op) override {
    NoGradGuard no_grad;
    std::vector<Slot> all = meet_->exchange(rank_, {tensor.clone(), {}});
    // Every rank reduces in rank order, so all get bitwise the same result.
    Tensor acc = all[0].tensor.clone();
    for (std::size_t r = 1; r < all.size(); ++r) {
      const Tensor& t = all[r].tensor;
      KEEL_CHECK(t.sizes() == acc.sizes() && t.dtype() == acc.dtype(), "allreduce: rank ", r, " gave shape ",
                 t.sizes(), ", rank 0 gave ", acc.sizes());
      switch (op) {
        case dist::ReduceOp::Sum:
        case dist::ReduceOp::Avg:
          acc.add_(t);
          break;
        case dist::ReduceOp::Max:
          acc = maximum(acc, t);
          break;
        case dist::ReduceOp::Min:
          acc = minimum(acc, t);
          break;
      }
    }
    if (op == dist::ReduceOp::Avg) acc.div_(static_cast<double>(size_));
    tensor.copy_(acc);
  }

  // Runs at once: the thread group has no background progress to overlap.
  std::shared_ptr<dist::Work> allreduce_async(Tensor& tensor, dist::ReduceOp op) override {
    allreduce(tensor, op);
    return std::make_shared<DoneWork>();
  }

  std::vector<Tensor> allgather(const Tensor& tensor) override {
    NoGradGuard no_grad;
    std::vector<Tensor> out;
    for (Slot& s : meet_->exchange(rank_, {tensor.clone(), {}})) out.push_back(s.tensor.clone());
    return out;
  }

  void broadcast(Tensor& tensor, int root) override {
    KEEL_CHECK(root >= 0 && root < size_, "broadcast: root ", root, " is not a rank of a ", size_,
               "-rank group");
    NoGradGuard no_grad;
    std::vector<Slot> all = meet_->exchange(rank_, {tensor.clone(), {}});
    if (rank_ != root) tensor.copy_(all[static_cast<std::size_t>(root)].tensor);
  }

  void barrier() override { meet_->exchange(rank_, {}); }

  std::vector<std::string> allgather_bytes(const std::string& bytes) override {
    std::vector<std::string> out;
    for (Slot& s : meet_->exchange(rank_, {Tensor(), bytes})) out.push_back(std::move(s.bytes));
    return out;
  }

  // A test must not end the process: the other ranks are released with an error instead.
  [[noreturn]] void abort(int exit_code) override {
    meet_->fail(rank_);
    throw Error("thread process group: rank " + std::to_string(rank_) + " aborted with exit code " +
                std::to_string(exit_code));
  }

  void fail() { meet_->fail(rank_); }

 private:
  std::shared_ptr<Rendezvous> meet_;
  int rank_, size_;
};

}  // namespace

std::vector<std::shared_ptr<dist::ProcessGroup>> make_thread_groups(int n) {
  KEEL_CHECK(n > 0, "make_thread_groups: need at least one rank, got ", n);
  auto meet = std::make_shared<Rendezvous>(n);
  std::vector<std::shared_ptr<dist::ProcessGroup>> groups;
  for (int r = 0; r < n; ++r) groups.push_back(std::make_shared<ThreadProcessGroup>(meet, r, n));
  return groups;
}

void run_ranks(int n, const std::function<void(int, const std::shared_ptr<dist::ProcessGroup>&)>& fn) {
  auto groups = make_thread_groups(n);
  std::mutex mu;
  std::exception_ptr first;  // the first rank's failure; the others only waited for it
  std::vector<std::thread> threads;
  for (int r = 0; r < n; ++r)
    threads.emplace_back([&, r] {
      try {
        fn(r, groups[static_cast<std::size_t>(r)]);
      } catch (...) {
        {
          std::lock_guard<std::mutex> lock(mu);
          if (!first) first = std::current_exception();
        }
        static_cast<ThreadProcessGroup&>(*groups[static_cast<std::size_t>(r)]).fail();
      }
    });
  for (std::thread& t : threads) t.join();
  if (first) std::rethrow_exception(first);
}

}  // namespace keel::testing
