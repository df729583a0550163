// Start-up and memory for LibTorch (Debian's libtorch-dev): the counterpart of
// `keel_epoch THREADS --steps N`, with the same model, batch and step
// (bench/common/torch_models.h) and the same JSON line, measured the same way: first_step_ms
// runs from the kernel's process start time (/proc/self/stat), so it includes the dynamic
// loading and static initialization of LibTorch's libraries; peak_rss_mb after N steps.
//   libtorch_steps THREADS --steps N
#include <torch/torch.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "common/openblas.h"
#include "common/process.h"
#include "common/torch_models.h"

int main(int argc, char** argv) {
  if (argc != 4 || std::strcmp(argv[2], "--steps") != 0) {
    std::fprintf(stderr, "usage: %s THREADS --steps N\n", argv[0]);
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
