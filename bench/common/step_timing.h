#pragma once
// How keel_steps and libtorch_steps time a training step, identically: warm-up (the first
// steps allocate momentum buffers and fill caches) for at least 0.2 s, then kRounds rounds of
// about 0.3 s each; the median time per step over rounds.
#include <time.h>

#include <algorithm>
#include <chrono>
#include <vector>

namespace bench {

// Seconds of CPU time this process has used (all its threads).
inline double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

// The median wall time per step, and the median process CPU time per step over the same
// rounds: at one thread on a shared machine, the CPU time leaves out the time other processes
// held the core (but not what they did to its caches), so it reads closer to the quiet figure.
struct StepTimes {
  double wall_s, cpu_s;
};

template <class Step>
StepTimes median_times_per_step(Step&& step);

template <class Step>
double median_seconds_per_step(Step&& step) {
  return median_times_per_step(step).wall_s;
}

template <class Step>
StepTimes median_times_per_step(Step&& step) {
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
  std::vector<double> per_step, cpu_per_step;
  for (int r = 0; r < kRounds; ++r) {
    const double c0 = process_cpu_seconds();
    t0 = Clock::now();
    for (long i = 0; i < per_round; ++i) step();
    per_step.push_back(since(t0) / static_cast<double>(per_round));
    cpu_per_step.push_back((process_cpu_seconds() - c0) / static_cast<double>(per_round));
  }
  std::sort(per_step.begin(), per_step.end());
  std::sort(cpu_per_step.begin(), cpu_per_step.end());
  return {per_step[kRounds / 2], cpu_per_step[kRounds / 2]};
}

}  // namespace bench
