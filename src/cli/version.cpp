#include "version.h"

#include "keel/core/device.h"
#include "keel_git_commit.h"  // generated at build time by cmake/GitCommit.cmake

#ifndef KEEL_VERSION
#error "KEEL_VERSION must be defined by the build (src/cli/CMakeLists.txt)"
#endif

namespace keel::cli {

std::string version_text() {
  const std::string build_type = KEEL_BUILD_TYPE;
  std::string s = "keel " KEEL_VERSION "\n";
  s += "commit: " KEEL_GIT_COMMIT "\n";
  s += "build type: " + (build_type.empty() ? std::string("unspecified") : build_type) + "\n";
  s += std::string("SIMD target: ") + cpu::simd_target() + "\n";
  s += std::string("CUDA: ") + (cuda::is_available() ? "available" : "not built");  // CLI11 ends the line
  return s;
}

}  // namespace keel::cli
