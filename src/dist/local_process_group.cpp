// The group of one process: what keel uses when it is not launched by mpirun.
#include <cstdlib>
#include <memory>

#include "keel/core/error.h"
#include "keel/dist/process_group.h"

namespace keel::dist {
namespace {

class DoneWork final : public Work {
 public:
  void wait() override {}
  bool is_completed() override { return true; }
};

class LocalProcessGroup final : public ProcessGroup {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  std::string backend() const override { return "local"; }
  // Over one rank a sum, max or min is the value itself, and so is the average.
  void allreduce(Tensor&, ReduceOp) override {}
  std::shared_ptr<Work> allreduce_async(Tensor&, ReduceOp) override { return std::make_shared<DoneWork>(); }
  std::vector<Tensor> allgather(const Tensor& tensor) override { return {tensor.clone()}; }
  void broadcast(Tensor&, int root) override {
    KEEL_CHECK(root == 0, "broadcast: root ", root, " is not a rank of a 1-process group");
  }
  void barrier() override {}
  std::vector<std::string> allgather_bytes(const std::string& bytes) override { return {bytes}; }
  [[noreturn]] void abort(int exit_code) override { std::exit(exit_code); }
};

}  // namespace

std::shared_ptr<ProcessGroup> local_group() { return std::make_shared<LocalProcessGroup>(); }

}  // namespace keel::dist
