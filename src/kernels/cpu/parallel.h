#pragma once
// keel's one thread pool is OpenMP's; oneDNN's GEMM runs on the same pool.
// parallel_for splits [begin, end) into one contiguous chunk per thread, using only as many
// threads as get at least `grain` each, and runs inline when that is one (tiny tensors never
// pay for a fork). A thread is woken only for a whole grain of work: waking one for half a
// grain costs about what it saves, and far more when the machine is busy and the woken thread
// waits for a core.
#include <omp.h>

#include <algorithm>
#include <cstdint>

namespace keel::kernels {

inline constexpr std::int64_t kGrain = 32768;

template <class F>
void parallel_for(std::int64_t begin, std::int64_t end, std::int64_t grain, const F& f) {
  std::int64_t n = end - begin;
  if (n <= 0) return;
  int max_threads = omp_in_parallel() ? 1 : omp_get_max_threads();
  std::int64_t want = grain > 0 ? n / grain : max_threads;
  int threads = static_cast<int>(std::min<std::int64_t>(max_threads, want));
  if (threads <= 1) {
    f(begin, end);
    return;
  }
#pragma omp parallel num_threads(threads)
  {
    int t = omp_get_thread_num();
    int nt = omp_get_num_threads();
    std::int64_t chunk = (n + nt - 1) / nt;
    std::int64_t b = begin + t * chunk;
    std::int64_t e = std::min(end, b + chunk);
    if (b < e) f(b, e);
  }
}

}  // namespace keel::kernels
