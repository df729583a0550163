#include "side_by_side/harness.h"

#include <algorithm>

namespace bench {
namespace {
using Clock = std::chrono::steady_clock;

double seconds_per_call(const std::function<void()>& fn, long calls) {
  auto t0 = Clock::now();
  for (long i = 0; i < calls; ++i) fn();
  return std::chrono::duration<double>(Clock::now() - t0).count() / static_cast<double>(calls);
}

// Calls per round so that a round lasts about min_round_s.
long calibrate(const std::function<void()>& fn, double min_round_s) {
  fn();  // warm-up: first-touch pages, JIT, caches
  long calls = 1;
  for (;;) {
    auto t0 = Clock::now();
    for (long i = 0; i < calls; ++i) fn();
    double t = std::chrono::duration<double>(Clock::now() - t0).count();
    if (t >= min_round_s / 4 || calls > (1L << 24)) {
      double per = t / static_cast<double>(calls);
      return std::max(1L, static_cast<long>(min_round_s / std::max(per, 1e-9)));
    }
    calls *= 4;
  }
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}
}  // namespace

Result compare(const std::function<void()>& keel_fn, const std::function<void()>& torch_fn, int rounds,
               double min_round_s) {
  long kc = calibrate(keel_fn, min_round_s);
  long tc = torch_fn ? calibrate(torch_fn, min_round_s) : 0;
  std::vector<double> kt, tt;
  for (int r = 0; r < rounds; ++r) {
    kt.push_back(seconds_per_call(keel_fn, kc));
    if (torch_fn) tt.push_back(seconds_per_call(torch_fn, tc));
  }
  return {median(kt), torch_fn ? median(tt) : 0.0};
}

double time_one(const std::function<void()>& fn, int rounds, double min_round_s) {
  return compare(fn, nullptr, rounds, min_round_s).keel_s;
}

}  // namespace bench
