#pragma once
// Private: the MPI world group, defined in mpi_process_group.cpp (built with KEEL_WITH_MPI).
#include <memory>

#include "keel/dist/process_group.h"

namespace keel::dist::detail {
std::shared_ptr<ProcessGroup> make_mpi_world();
}  // namespace keel::dist::detail
