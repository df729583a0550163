// The normalization layers' forward + backward in training mode (the shapes of
// bench/side_by_side's norm workloads) at 1 and at 2 threads, alternated in one process so
// that a shared machine's load falls on both alike: per workload, `rounds` pairs of medians
// (bench/common/step_timing.h), then the median of each and the 2-thread speedup.
//   keel_norms [ROUNDS] [FILTER] [ONLY]   (defaults: 3 rounds, every workload)
// ONLY (a thread count) times that count alone, for a profiler: at 2 threads, the samples of
// the second thread against the first's say how much of the work runs in parallel.
#include <keel/keel.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/step_timing.h"

namespace {

struct NormWorkload {
  std::string name;
  keel::Dims shape;
  std::shared_ptr<keel::nn::Module> module;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::max(1, std::atoi(argv[1])) : 3;
  const std::string filter = argc > 2 ? argv[2] : "";
  const int only = argc > 3 ? std::atoi(argv[3]) : 0;
  std::vector<NormWorkload> workloads = {
      {"BatchNorm2d (32,64,32,32)", {32, 64, 32, 32}, std::make_shared<keel::nn::BatchNorm2d>(64)},
      {"BatchNorm1d (4096,1024)", {4096, 1024}, std::make_shared<keel::nn::BatchNorm1d>(1024)},
      {"LayerNorm (4096,1024)", {4096, 1024}, std::make_shared<keel::nn::LayerNorm>(keel::Dims{1024})},
      {"GroupNorm(32) (32,64,32,32)", {32, 64, 32, 32}, std::make_shared<keel::nn::GroupNorm>(32, 64)},
  };
  for (NormWorkload& w : workloads) {
    if (w.name.find(filter) == std::string::npos) continue;
    keel::manual_seed(0);
    keel::Tensor x = keel::randn(w.shape).requires_grad_();
    keel::Tensor g = keel::randn(w.shape);
    auto step = [&] {
      keel::Tensor y = w.module->forward(x);
      y.backward(g);
      x.set_grad(keel::Tensor());
      w.module->zero_grad(/*set_to_none=*/true);
    };
    if (only > 0) {
      keel::set_num_threads(only);
      std::vector<double> t;
      for (int r = 0; r < rounds; ++r) t.push_back(bench::median_seconds_per_step(step));
      std::printf("%-30s %d thread(s) %7.3f ms\n", w.name.c_str(), only, median(t) * 1e3);
      continue;
    }
    std::vector<double> one, two;
    for (int r = 0; r < rounds; ++r) {
      keel::set_num_threads(1);
      one.push_back(bench::median_seconds_per_step(step));
      keel::set_num_threads(2);
      two.push_back(bench::median_seconds_per_step(step));
    }
    const double t1 = median(one), t2 = median(two);
    std::printf("%-30s 1 thread %7.3f ms, 2 threads %7.3f ms, speedup %.2fx\n", w.name.c_str(), t1 * 1e3,
                t2 * 1e3, t1 / t2);
    std::fflush(stdout);
  }
  return 0;
}
