// The float32 GEMMs of one mlp_step (784-512-256-10, batch 128) through keel's GEMM kernel,
// one benchmark per product and layout, as the Linear forward and backward call it, then the
// same layers on an evaluation batch of 1000 and a 1024^3 product; BM_Onednn runs every product
// through oneDNN's sgemm, the alternative kernels/cpu/gemm.cpp chooses from by shape:
//   ./keel_gemm_bench --benchmark_repetitions=7 --benchmark_enable_random_interleaving=true
// GFLOPS against the FMA peak is the GEMM's share of peak (docs/benchmarks.md, issue 14).
// The second argument is the thread count.
#include <benchmark/benchmark.h>
#include <dnnl.h>
#include <keel/keel.h>

#include <string>

#include "kernels/cpu/gemm.h"

namespace {

struct Product {
  std::int64_t m, n, k;
  bool ta, tb;
};

// y = x W^T (forward), dX = dY W, dW = dY^T X, for the two big layers.
const Product kProducts[] = {
    {128, 512, 784, false, true},   // layer 1 forward
    {128, 256, 512, false, true},   // layer 2 forward
    {128, 512, 256, false, false},  // layer 2 input gradient
    {512, 784, 128, true, false},   // layer 1 weight gradient
    {256, 512, 128, true, false},   // layer 2 weight gradient
    {1000, 512, 784, false, true},  // layer 1 on an evaluation batch of 1000
    {1000, 256, 512, false, true},  // layer 2 on it
    {1024, 1024, 1024, false, false},
};
constexpr int kProductCount = sizeof(kProducts) / sizeof(kProducts[0]);

enum class Backend { kKeel, kOnednn };

void run_product(benchmark::State& state, Backend backend) {
  const Product& p = kProducts[state.range(0)];
  keel::set_num_threads(static_cast<int>(state.range(1)));
  keel::Tensor a = keel::rand({p.ta ? p.k : p.m, p.ta ? p.m : p.k});
  keel::Tensor b = keel::rand({p.tb ? p.n : p.k, p.tb ? p.k : p.n});
  keel::Tensor c = keel::zeros({p.m, p.n});
  const std::int64_t lda = p.ta ? p.m : p.k, ldb = p.tb ? p.k : p.n;
  for (auto _ : state) {
    if (backend == Backend::kKeel) {
      keel::kernels::gemm(p.ta, p.tb, p.m, p.n, p.k, 1.0f, a.data_ptr<float>(), lda, b.data_ptr<float>(), ldb,
                          0.0f, c.data_ptr<float>(), p.n);
    } else if (dnnl_sgemm(p.ta ? 'T' : 'N', p.tb ? 'T' : 'N', p.m, p.n, p.k, 1.0f, a.data_ptr<float>(), lda,
                          b.data_ptr<float>(), ldb, 0.0f, c.data_ptr<float>(), p.n) != dnnl_success) {
      state.SkipWithError("dnnl_sgemm failed");
      return;
    }
    benchmark::ClobberMemory();
  }
  state.SetLabel(std::to_string(p.m) + "x" + std::to_string(p.n) + "x" + std::to_string(p.k) +
                 (p.ta ? " A^T" : "") + (p.tb ? " B^T" : ""));
  state.counters["GFLOPS"] =
      benchmark::Counter(2.0 * p.m * p.n * p.k * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate, benchmark::Counter::kIs1000);
}

void BM_MlpGemm(benchmark::State& state) { run_product(state, Backend::kKeel); }
void BM_Onednn(benchmark::State& state) { run_product(state, Backend::kOnednn); }

}  // namespace

// Wall time: at 2 threads CPU time would count both threads. Each product at 1 and 2 threads.
BENCHMARK(BM_MlpGemm)
    ->ArgsProduct({benchmark::CreateDenseRange(0, kProductCount - 1, 1), {1, 2}})
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Onednn)
    ->ArgsProduct({benchmark::CreateDenseRange(0, kProductCount - 1, 1), {1, 2}})
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);
