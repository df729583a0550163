// The CPU backend's registry entry: every kernel in this folder runs on host memory.
#include "kernels/backend.h"

#include "kernels/cpu/dispatch.h"

namespace keel {

const char* cpu::simd_target() {
  switch (kernels::simd::best_slot()) {
    case kernels::simd::kAvx512:
      return "AVX-512";
    case kernels::simd::kAvx2:
      return "AVX2";
    default:
      // Highway's portable target, compiled for x86-64's SSE2 baseline (no -march flags).
      return "SSE2";
  }
}

namespace kernels::cpu {

const Backend& backend() {
  static const Backend b{kCPU, "cpu"};
  return b;
}

}  // namespace kernels::cpu
}  // namespace keel
