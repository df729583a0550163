// keel vs LibTorch, side by side in one process: the foundation's workloads at 1 and 2
// threads. Prints medians, keel's speedup over LibTorch, and achieved bandwidth / FLOPS
// against what the machine measured in the same run.
//
//   ./build/bench/bench/keel_vs_torch [--threads 1,2] [--filter substring]
#include <torch/torch.h>

#include <cstdio>
#include <cstring>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include <keel/keel.h>

#include "side_by_side/harness.h"
#include "side_by_side/machine.h"

namespace {

struct Workload {
  std::string name;
  double bytes = 0;  // memory traffic per call (bandwidth-bound workloads)
  double flops = 0;  // arithmetic per call (compute-bound workloads)
  std::function<void()> keel_fn, torch_fn;
};

keel::Tensor keel_rand(const std::vector<std::int64_t>& shape) { return keel::rand(keel::Dims(shape)) - 0.5; }

std::vector<Workload> make_workloads() {
  std::vector<Workload> w;
  for (long n : {1L << 20, 1L << 24}) {
    std::string sz = n == (1L << 20) ? "1M" : "16M";
    auto ka = keel_rand({n}), kb = keel_rand({n});
    auto ta = torch::rand({n}) - 0.5, tb = torch::rand({n}) - 0.5;
    double f = static_cast<double>(n) * sizeof(float);
    w.push_back({"add " + sz, 3 * f, 0, [=] { auto r = ka + kb; }, [=] { auto r = ta + tb; }});
    w.push_back({"mul " + sz, 3 * f, 0, [=] { auto r = ka * kb; }, [=] { auto r = ta * tb; }});
    w.push_back({"relu " + sz, 2 * f, 0, [=] { auto r = keel::relu(ka); }, [=] { auto r = torch::relu(ta); }});
  }
  {
    auto k = keel_rand({4096, 1024});
    auto t = torch::rand({4096, 1024}) - 0.5;
    double f = 4096.0 * 1024 * sizeof(float);
    w.push_back({"sum (4096,1024)", f, 0, [=] { auto r = k.sum(); }, [=] { auto r = t.sum(); }});
    w.push_back({"sum dim1 (4096,1024)", f, 0, [=] { auto r = k.sum({1}); }, [=] { auto r = t.sum(1); }});
    w.push_back({"softmax (4096,1024)", 2 * f, 0, [=] { auto r = keel::softmax(k, 1); },
                 [=] { auto r = torch::softmax(t, 1); }});
  }
  for (long n : {256L, 1024L}) {
    auto ka = keel_rand({n, n}), kb = keel_rand({n, n});
    auto ta = torch::rand({n, n}), tb = torch::rand({n, n});
    w.push_back({"matmul " + std::to_string(n) + "^3", 0, 2.0 * n * n * n, [=] { auto r = keel::matmul(ka, kb); },
                 [=] { auto r = torch::matmul(ta, tb); }});
  }
  {
    // Per-op overhead: forward + backward through 50 ops on 16-element tensors.
    auto kx = keel_rand({16}).requires_grad_();
    auto kw = keel_rand({16});
    auto tx = (torch::rand({16}) - 0.5).requires_grad_();
    auto tw = torch::rand({16}) - 0.5;
    w.push_back({"chain of 50 ops, fwd+bwd (16 floats)", 0, 0,
                 [=] {
                   keel::Tensor y = kx;
                   for (int i = 0; i < 10; ++i) y = keel::sigmoid(keel::tanh(y * kw + kw) - kw);
                   y.sum().backward();
                   kx.set_grad(keel::Tensor());
                 },
                 [=]() mutable {
                   torch::Tensor y = tx;
                   for (int i = 0; i < 10; ++i) y = torch::sigmoid(torch::tanh(y * tw + tw) - tw);
                   y.sum().backward();
                   tx.mutable_grad().reset();
                 }});
  }
  return w;
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
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) {
      thread_counts.clear();
      std::stringstream ss(argv[++i]);
      std::string tok;
      while (std::getline(ss, tok, ',')) thread_counts.push_back(std::stoi(tok));
    } else if (!std::strcmp(argv[i], "--filter") && i + 1 < argc) {
      filter = argv[++i];
    } else {
      std::fprintf(stderr, "usage: %s [--threads 1,2] [--filter substring]\n", argv[0]);
      return 2;
    }
  }
  std::vector<Workload> workloads = make_workloads();
  std::printf("| threads | workload | keel | LibTorch | keel speedup | keel achieved |\n");
  std::printf("|---|---|---|---|---|---|\n");
  for (int threads : thread_counts) {
    keel::set_num_threads(threads);
    torch::set_num_threads(threads);
    double peak = bench::fma_peak_gflops(threads);
    double copy_bw = bench::copy_bandwidth_gbs(threads, 1L << 24);
    std::printf("| %d | machine: FMA peak %.0f GFLOPS, copy %.1f GB/s | | | | |\n", threads, peak, copy_bw);
    for (const Workload& wl : workloads) {
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
      std::printf("| %d | %s | %s | %s | %.2fx | %s |\n", threads, wl.name.c_str(), fmt_time(r.keel_s).c_str(),
                  fmt_time(r.torch_s).c_str(), r.torch_s / r.keel_s, achieved);
      std::fflush(stdout);
    }
  }
  return 0;
}
