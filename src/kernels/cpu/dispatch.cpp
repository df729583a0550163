#include "kernels/cpu/dispatch.h"

#include <atomic>

namespace keel::kernels::simd {
namespace {

// What Highway's AVX3 and AVX2 targets require of the CPU (GCC's cpuid test also checks that
// the OS saves the wider registers).
bool cpu_has_avx512() {
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
         __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw");
}
bool cpu_has_avx2() {
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("bmi") &&
         __builtin_cpu_supports("bmi2") && __builtin_cpu_supports("f16c");
}

int slot_for(std::int64_t targets) {
  if ((targets & HWY_AVX3) != 0) return kAvx512;
  if ((targets & HWY_AVX2) != 0) return kAvx2;
  return kBaseline;
}

std::atomic<int> g_slot{-1};

}  // namespace

std::int64_t supported_targets() {
  // (A kernel may run from another library's static initializer, before libgcc's own.)
  __builtin_cpu_init();
  std::int64_t t = HWY_STATIC_TARGET;
  if (cpu_has_avx2()) t |= HWY_AVX2;
  if (cpu_has_avx512()) t |= HWY_AVX3;
  return t;
}

int best_slot() {
  int s = g_slot.load(std::memory_order_relaxed);
  if (s < 0) {
    s = slot_for(supported_targets());
    g_slot.store(s, std::memory_order_relaxed);
  }
  return s;
}

void set_targets_for_test(std::int64_t targets) {
  g_slot.store(targets == 0 ? slot_for(supported_targets()) : slot_for(targets & supported_targets()),
               std::memory_order_relaxed);
}

}  // namespace keel::kernels::simd
