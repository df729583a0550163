#pragma once
// What `keel --version` prints: enough to reproduce a bug report (version, commit, build type)
// and to explain a speed difference between machines (the SIMD target the kernels chose).
#include <string>

namespace keel::cli {

std::string version_text();

}  // namespace keel::cli
