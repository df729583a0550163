// The default process group: MPI's world when mpirun started this process, else one process.
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>

#include "dist/mpi_world.h"
#include "keel/core/error.h"
#include "keel/dist/process_group.h"

namespace keel::dist {
namespace {

// The launcher's process count, or 0 when no MPI launcher set one.
int launcher_size() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE", "MPI_LOCALNRANKS"}) {
    if (const char* value = std::getenv(name); value != nullptr && *value != '\0') return std::atoi(value);
  }
  // PMIx (OpenMPI 4 under srun) sets a rank but not always a size: one rank is not a group.
  return 0;
}

}  // namespace

bool launched_by_mpi() { return launcher_size() > 1; }

std::shared_ptr<ProcessGroup> world() {
  static std::once_flag once;
  static std::shared_ptr<ProcessGroup> group;
  std::call_once(once, [] {
    if (!launched_by_mpi()) {
      group = local_group();
      return;
    }
#ifdef KEEL_WITH_MPI
    group = detail::make_mpi_world();
#else
    throw Error("this process was started by mpirun with " + std::to_string(launcher_size()) +
                " processes, but keel was built without MPI (configure with -DKEEL_WITH_MPI=ON)");
#endif
  });
  KEEL_CHECK(group != nullptr, "keel::dist::world(): the MPI group failed to start earlier in this process");
  return group;
}

}  // namespace keel::dist
