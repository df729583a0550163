#pragma once
// Run-time choice of a kernel's SIMD target, without Highway's shared library.
//
// Kernel files are compiled once per target by Highway's foreach_target (AVX-512, AVX2 and the
// baseline: header-only machinery); KEEL_EXPORT(F) collects a function's per-target versions
// and KEEL_DISPATCH(F) calls the best one this CPU runs. Highway's own HWY_EXPORT /
// HWY_DYNAMIC_DISPATCH would do the same through libhwy.so, whose static initializer
// calibrates a timer for ~4 ms at every process start: a fifth of keel's start-up budget.
#include <hwy/highway.h>

#include <cstdint>

namespace keel::kernels::simd {

// Slots of a KEEL_EXPORT table.
enum Slot : int { kAvx512 = 0, kAvx2 = 1, kBaseline = 2 };

// The best slot this CPU (and the test override) allows; computed once, then a load.
int best_slot();

// Highway target bits (HWY_AVX3, HWY_AVX2, HWY_STATIC_TARGET) of the targets this CPU runs.
std::int64_t supported_targets();

// Tests: restrict dispatch to the given Highway target bits (one of supported_targets());
// 0 lifts the restriction.
void set_targets_for_test(std::int64_t targets);

template <class Fn>
Fn pick(Fn const (&table)[3]) {
  for (int i = best_slot(); i < kBaseline; ++i)
    if (table[i] != nullptr) return table[i];
  return table[kBaseline];
}

}  // namespace keel::kernels::simd

#define KEEL_DISPATCH_TABLE(F) HWY_CONCAT(F, KeelDispatchTable)
#define KEEL_EXPORT(F)                                                         \
  static decltype(&HWY_STATIC_DISPATCH(F)) const KEEL_DISPATCH_TABLE(F)[3] = { \
      HWY_CHOOSE_AVX3(F), HWY_CHOOSE_AVX2(F), &HWY_STATIC_DISPATCH(F)}
#define KEEL_DISPATCH(F) (*::keel::kernels::simd::pick(KEEL_DISPATCH_TABLE(F)))
