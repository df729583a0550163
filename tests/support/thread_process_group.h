#pragma once
// Several "ranks" in one process, for tests of distributed code without mpirun: N process
// groups whose collectives meet in shared memory. Each group must be used from its own thread
// (keel's allocator is thread-safe and grad mode is thread_local), and every rank must call
// the same collectives in the same order, as with MPI. A rank that waits more than a minute
// for the others throws instead of hanging the test; abort() throws too (a test must not exit).
#include <functional>
#include <memory>
#include <vector>

#include "keel/dist/process_group.h"

namespace keel::testing {

std::vector<std::shared_ptr<dist::ProcessGroup>> make_thread_groups(int n);

// Runs fn(rank, group) on n threads, one per group of make_thread_groups(n), and rethrows the
// first exception any of them threw once all have ended.
void run_ranks(int n, const std::function<void(int, const std::shared_ptr<dist::ProcessGroup>&)>& fn);

}  // namespace keel::testing
