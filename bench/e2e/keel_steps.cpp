// keel-only profiling driver for the step workloads: runs one of them over and over on one
// random batch and prints the median time per step over rounds. It links no LibTorch, so a
// profile of it (perf record -g ./keel_steps mlp 1) holds keel alone.
//   keel_steps {tiny|mlp|cnn} THREADS [STEPS]
// STEPS: timed steps in all, split into 10 rounds (default: about 3 s worth of steps).
#include <keel/keel.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "common/keel_models.h"

namespace {
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}
}  // namespace

int main(int argc, char** argv) {
  const bench::StepSpec* spec = argc > 2 ? bench::find_step_spec(argv[1]) : nullptr;
  if (spec == nullptr) {
    std::fprintf(stderr, "usage: %s {tiny|mlp|cnn} THREADS [STEPS]\n", argv[0]);
    return 2;
  }
  const int threads = std::atoi(argv[2]);
  keel::set_num_threads(threads);
  keel::manual_seed(0);
  keel::Tensor x = keel::randn(keel::Dims(spec->input_shape));
  keel::Tensor y = keel::randint(0, 10, {spec->batch()});
  bench::KeelStep step = bench::keel_step(bench::keel_model(*spec));

  // Warm-up: the first steps allocate the momentum buffers and fill the allocator's cache.
  Clock::time_point t0 = Clock::now();
  long warmup = 0;
  while (warmup < 3 || seconds_since(t0) < 0.2) {
    step(x, y);
    ++warmup;
  }
  const double warm_step_s = seconds_since(t0) / static_cast<double>(warmup);
  constexpr int kRounds = 10;
  const long total = argc > 3 ? std::atol(argv[3]) : static_cast<long>(3.0 / warm_step_s);
  const long per_round = std::max(1L, total / kRounds);

  std::vector<double> per_step;
  for (int r = 0; r < kRounds; ++r) {
    t0 = Clock::now();
    for (long i = 0; i < per_round; ++i) step(x, y);
    per_step.push_back(seconds_since(t0) / static_cast<double>(per_round));
  }
  std::sort(per_step.begin(), per_step.end());
  const double median = (per_step[kRounds / 2 - 1] + per_step[kRounds / 2]) / 2;
  std::printf("%s, %d thread(s): median %.3f ms/step (%.0f samples/s), %d rounds of %ld steps, min %.3f ms\n",
              spec->name.c_str(), threads, median * 1e3, static_cast<double>(spec->batch()) / median, kRounds,
              per_round, per_step.front() * 1e3);
  return 0;
}
