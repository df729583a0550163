#pragma once
// A tiny timing harness: interleaves rounds of two implementations so that machine noise
// hits both alike, and reports the median time per call of each.
#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace bench {

struct Result {
  double keel_s = 0;   // median seconds per call
  double torch_s = 0;  // median seconds per call (0 when there is no LibTorch side)
};

// Runs `rounds` rounds; each round times enough calls of each side to last ~min_round_s.
Result compare(const std::function<void()>& keel_fn, const std::function<void()>& torch_fn, int rounds = 11,
               double min_round_s = 0.02);

// Median seconds per call of one function.
double time_one(const std::function<void()>& fn, int rounds = 11, double min_round_s = 0.02);

}  // namespace bench
