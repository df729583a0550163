// keel vs LibTorch, side by side in one process: the foundation's workloads at 1 and 2
// threads. Prints medians, keel's speedup over LibTorch, and achieved bandwidth / FLOPS
// against what the machine measured in the same run.
//
//   ./build/bench/bench/keel_vs_torch [--threads 1,2] [--filter substring] [--json]
// --json prints one JSON line per workload and thread count instead of the table, for
// bench/run_all.sh (times in seconds per call; samples/s for the training steps).
#include <keel/keel.h>
#include <torch/torch.h>

#include <cstdio>
#include <cstring>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "common/openblas.h"
#include "side_by_side/harness.h"
#include "side_by_side/machine.h"
#include "side_by_side/workloads.h"

namespace {

void print_json(int threads, const bench::Workload& wl, const bench::Result& r) {
  // Workload names are plain ASCII without quotes or backslashes: no escaping needed.
  std::printf(R"({"system": "keel_vs_libtorch", "threads": %d, "workload": "%s", "keel_s": %.6g, )"
              R"("libtorch_s": %.6g)",
              threads, wl.name.c_str(), r.keel_s, r.torch_s);
  if (wl.items > 0)
    std::printf(R"(, "keel_samples_per_s": %.1f, "libtorch_samples_per_s": %.1f)", wl.items / r.keel_s,
                wl.items / r.torch_s);
  std::printf("}\n");
}

std::string fmt_time(double s) {
  char buf[32];
  if (s < 1e-3)
    std::snprintf(buf, sizeof buf, "%.2f us", s * 1e6);
  else
    std::snprintf(buf, sizeof buf, "%.3f ms", s * 1e3);
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> thread_counts = {1, 2};
  std::string filter;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) {
      thread_counts.clear();
      std::stringstream ss(argv[++i]);
      std::string tok;
      while (std::getline(ss, tok, ',')) thread_counts.push_back(std::stoi(tok));
    } else if (!std::strcmp(argv[i], "--filter") && i + 1 < argc) {
      filter = argv[++i];
    } else if (!std::strcmp(argv[i], "--json")) {
      json = true;
    } else {
      std::fprintf(stderr, "usage: %s [--threads 1,2] [--filter substring] [--json]\n", argv[0]);
      return 2;
    }
  }
  std::vector<bench::Workload> workloads = bench::core_workloads();
  for (auto& w : bench::nn_workloads()) workloads.push_back(std::move(w));
  for (auto& w : bench::step_workloads()) workloads.push_back(std::move(w));
  if (!json) {
    std::printf("| threads | workload | keel | LibTorch | keel speedup | keel achieved |\n");
    std::printf("|---|---|---|---|---|---|\n");
  }
  for (int threads : thread_counts) {
    keel::set_num_threads(threads);
    torch::set_num_threads(threads);
    bench::set_openblas_threads(threads);
    if (json) {  // no machine probes: the JSON lines are for ratios between libraries
      for (const bench::Workload& wl : workloads) {
        if (!filter.empty() && wl.name.find(filter) == std::string::npos) continue;
        print_json(threads, wl, bench::compare(wl.keel_fn, wl.torch_fn));
        std::fflush(stdout);
      }
      continue;
    }
    const bench::FmaPeak fma = bench::fma_peak(threads);
    const double peak = fma.gflops;
    double copy_bw = bench::copy_bandwidth_gbs(threads, 1L << 24);
    std::printf("| %d | machine: FMA peak %.0f GFLOPS (%s), copy %.1f GB/s | | | | |\n", threads, peak,
                fma.isa, copy_bw);
    for (const bench::Workload& wl : workloads) {
      if (!filter.empty() && wl.name.find(filter) == std::string::npos) continue;
      bench::Result r = bench::compare(wl.keel_fn, wl.torch_fn);
      char achieved[96] = "";
      if (wl.bytes > 0) {
        double bw = wl.bytes / r.keel_s / 1e9;
        std::snprintf(achieved, sizeof achieved, "%.1f GB/s (%.0f%% of copy)", bw, 100 * bw / copy_bw);
      } else if (wl.flops > 0) {
        double gf = wl.flops / r.keel_s / 1e9;
        std::snprintf(achieved, sizeof achieved, "%.0f GFLOPS (%.0f%% of peak)", gf, 100 * gf / peak);
      }
      std::printf("| %d | %s | %s | %s | %.2fx | %s |\n", threads, wl.name.c_str(),
                  fmt_time(r.keel_s).c_str(), fmt_time(r.torch_s).c_str(), r.torch_s / r.keel_s, achieved);
      std::fflush(stdout);
    }
  }
  return 0;
}
