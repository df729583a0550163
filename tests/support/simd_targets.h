#pragma once
// Runs a check once per SIMD target keel's kernels are compiled for (AVX-512, AVX2 and the
// baseline) that this CPU can run, so paths a CI machine would never pick (masked row
// tails without AVX-512, no FMA) are tested too.
#include <gtest/gtest.h>
#include <hwy/targets.h>

#include <cstdint>

#include "kernels/cpu/dispatch.h"

namespace keel::testing {

template <class F>
void on_every_simd_target(F&& check) {
  namespace simd = keel::kernels::simd;
  for (std::int64_t target :
       {std::int64_t{HWY_AVX3}, std::int64_t{HWY_AVX2}, std::int64_t{HWY_STATIC_TARGET}}) {
    if (!(simd::supported_targets() & target)) continue;
    SCOPED_TRACE(hwy::TargetName(target));
    simd::set_targets_for_test(target);
    check();
  }
  simd::set_targets_for_test(0);
}

}  // namespace keel::testing
