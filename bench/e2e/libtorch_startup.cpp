// Start-up and memory for LibTorch (Debian's libtorch-dev): the counterpart of
// `keel_epoch THREADS --steps N`, with the same model, batch and step
// (bench/common/torch_models.h) and the same JSON line, measured the same way: first_step_ms
// runs from the kernel's process start time (/proc/self/stat), so it includes the dynamic
// loading and static initialization of LibTorch's libraries; peak_rss_mb after N steps.
//   libtorch_steps THREADS --steps N
// It also times the step workloads in a LibTorch-only process, as keel_steps does for keel:
//   libtorch_steps {tiny|mlp|cnn|all} THREADS --json
#include <torch/torch.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "common/openblas.h"
#include "common/process.h"
#include "common/step_timing.h"
#include "common/torch_models.h"

namespace {

// The step workloads (median time per step, bench/common/step_timing.h) as JSON lines.
int time_steps(const char* which, int threads) {
  torch::set_num_threads(threads);
  bench::set_openblas_threads(threads);
  for (const bench::StepSpec& spec : bench::step_specs()) {
    if (std::strcmp(which, "all") != 0 && spec.key != which && spec.short_key != which) continue;
    torch::manual_seed(0);
    torch::Tensor x = torch::randn(spec.input_shape);
    torch::Tensor y = torch::randint(0, 10, {spec.batch()});
    bench::TorchStep step = bench::torch_step(bench::torch_model(spec));
    const double s = bench::median_seconds_per_step([&] { step(x, y); });
    std::printf(
        R"({"system": "libtorch", "threads": %d, "workload": "%s", "step_s": %.6g, "samples_per_s": %.1f})"
        "\n",
        threads, spec.name.c_str(), s, static_cast<double>(spec.batch()) / s);
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 4 && std::strcmp(argv[3], "--json") == 0) return time_steps(argv[1], std::atoi(argv[2]));
  if (argc != 4 || std::strcmp(argv[2], "--steps") != 0) {
    std::fprintf(stderr, "usage: %s THREADS --steps N\n       %s {tiny|mlp|cnn|all} THREADS --json\n",
                 argv[0], argv[0]);
    return 2;
  }
  const int threads = std::atoi(argv[1]);
  const long steps = std::max(1L, std::atol(argv[3]));
  torch::set_num_threads(threads);
  bench::set_openblas_threads(threads);
  torch::manual_seed(0);
  bench::TorchStep step = bench::torch_step(bench::torch_mlp(784, 512, 256));
  torch::Tensor x = torch::randn({128, 784});
  torch::Tensor y = torch::randint(0, 10, {128});
  step(x, y);
  const double first_step_ms = bench::ms_since_process_start();
  for (long i = 1; i < steps; ++i) step(x, y);
  std::printf("{\"system\": \"libtorch\", \"threads\": %d, \"first_step_ms\": %.1f, \"peak_rss_mb\": %.1f}\n",
              threads, first_step_ms, bench::peak_rss_mb());
  return 0;
}
