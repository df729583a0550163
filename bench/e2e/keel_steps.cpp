// keel's side of the step workloads, in a process of its own (with LibTorch loaded in the
// same process, as in keel_vs_torch, keel's steps ran 10-15% slower; see docs/performance.md):
// runs a step over and over on one random batch and prints the median time per step
// (bench/common/step_timing.h), as a line of text or, with --json, as run_all.sh reads it.
// Also the driver to profile: perf record -g ./keel_steps mlp 1
//   keel_steps {tiny|mlp|cnn|all} THREADS [--json]
#include <keel/keel.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "common/keel_models.h"
#include "common/step_timing.h"

int main(int argc, char** argv) {
  const bool all = argc > 2 && !std::strcmp(argv[1], "all");
  const bench::StepSpec* one = argc > 2 ? bench::find_step_spec(argv[1]) : nullptr;
  if ((!all && one == nullptr) || (argc > 3 && std::strcmp(argv[3], "--json") != 0)) {
    std::fprintf(stderr, "usage: %s {tiny|mlp|cnn|all} THREADS [--json]\n", argv[0]);
    return 2;
  }
  const int threads = std::atoi(argv[2]);
  const bool json = argc > 3;
  keel::set_num_threads(threads);
  std::vector<const bench::StepSpec*> specs;
  if (all) {
    for (const bench::StepSpec& s : bench::step_specs()) specs.push_back(&s);
  } else {
    specs.push_back(one);
  }
  for (const bench::StepSpec* spec : specs) {
    keel::manual_seed(0);
    keel::Tensor x = keel::randn(keel::Dims(spec->input_shape));
    keel::Tensor y = keel::randint(0, 10, {spec->batch()});
    bench::KeelStep step = bench::keel_step(bench::keel_model(*spec));
    const bench::StepTimes t = bench::median_times_per_step([&] { step(x, y); });
    const double s = t.wall_s;
    const double samples = static_cast<double>(spec->batch()) / s;
    if (json) {
      std::printf(
          R"({"system": "keel", "threads": %d, "workload": "%s", "step_s": %.6g, "cpu_s": %.6g, "samples_per_s": %.1f})"
          "\n",
          threads, spec->name.c_str(), s, t.cpu_s, samples);
    } else {
      std::printf("%s, %d thread(s): median %.3f ms/step (%.0f samples/s), CPU time %.3f ms/step\n",
                  spec->name.c_str(), threads, s * 1e3, samples, t.cpu_s * 1e3);
    }
    std::fflush(stdout);
  }
  return 0;
}
