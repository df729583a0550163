// A 2-rank job in which rank 1 fails after a first collective while rank 0 goes on to the next
// one, which rank 1 never joins. The job must end (non-zero, the failed rank named by mpirun)
// instead of rank 0 waiting for ever. Run by expect_fault.sh:
//   fault_program {kill|abort|throw}
//     kill:  rank 1 raises SIGKILL (a rank that dies)
//     abort: rank 1 calls ProcessGroup::abort(3), as a rank that caught an error does
//     throw: rank 1 lets an exception escape main (std::terminate)
#include <csignal>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>

#include "keel/dist/process_group.h"
#include "keel/tensor/factories.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s {kill|abort|throw}\n", argv[0]);
    return 2;
  }
  const std::string mode = argv[1];
  auto group = keel::dist::world();
  keel::Tensor t = keel::ones({4});
  group->allreduce(t);  // both ranks are up and talking
  if (group->rank() == 1) {
    std::fprintf(stderr, "fault_program: this rank fails on purpose (%s)\n", mode.c_str());
    if (mode == "kill") std::raise(SIGKILL);
    if (mode == "abort") group->abort(3);
    if (mode == "throw") throw std::runtime_error("this rank failed on purpose");
    return 2;
  }
  group->allreduce(t);  // never completes: rank 1 is gone
  std::fprintf(stderr, "fault_program: rank 0 finished a collective rank 1 never joined\n");
  return 0;
}
