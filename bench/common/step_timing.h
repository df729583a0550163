#pragma once
// How keel_steps and libtorch_steps time a training step, identically: warm-up (the first
// steps allocate momentum buffers and fill caches) for at least 0.2 s, then kRounds rounds of
// about 0.3 s each; the median time per step over rounds.
#include <algorithm>
#include <chrono>
#include <vector>

namespace bench {

template <class Step>
double median_seconds_per_step(Step&& step) {
  using Clock = std::chrono::steady_clock;
  auto since = [](Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); };
  Clock::time_point t0 = Clock::now();
  long warmup = 0;
  while (warmup < 3 || since(t0) < 0.2) {
    step();
    ++warmup;
  }
  const long per_round = std::max(1L, static_cast<long>(0.3 / (since(t0) / static_cast<double>(warmup))));
  constexpr int kRounds = 11;
  std::vector<double> per_step;
  for (int r = 0; r < kRounds; ++r) {
    t0 = Clock::now();
    for (long i = 0; i < per_round; ++i) step();
    per_step.push_back(since(t0) / static_cast<double>(per_round));
  }
  std::sort(per_step.begin(), per_step.end());
  return per_step[kRounds / 2];
}

}  // namespace bench
