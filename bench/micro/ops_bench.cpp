// Google Benchmark micro-benchmarks of keel alone (no LibTorch needed):
//   cmake --preset bench && cmake --build --preset bench && ./build/bench/bench/keel_micro_bench
#include <benchmark/benchmark.h>
#include <keel/keel.h>

static void BM_Add(benchmark::State& state) {
  keel::Tensor a = keel::rand({state.range(0)}), b = keel::rand({state.range(0)});
  for (auto _ : state) benchmark::DoNotOptimize((a + b).raw_data());
  state.SetBytesProcessed(state.iterations() * state.range(0) * 12);
}
BENCHMARK(BM_Add)->Arg(1 << 10)->Arg(1 << 20)->Arg(1 << 24);

static void BM_TinyChainForwardBackward(benchmark::State& state) {
  keel::Tensor x = keel::rand({16}).requires_grad_(), w = keel::rand({16});
  for (auto _ : state) {
    keel::Tensor y = x;
    for (int i = 0; i < 10; ++i) y = keel::sigmoid(keel::tanh(y * w + w) - w);
    y.sum().backward();
    x.set_grad(keel::Tensor());
  }
}
BENCHMARK(BM_TinyChainForwardBackward);

static void BM_Matmul(benchmark::State& state) {
  const std::int64_t n = state.range(0);
  keel::Tensor a = keel::rand({n, n}), b = keel::rand({n, n});
  for (auto _ : state) benchmark::DoNotOptimize(keel::matmul(a, b).raw_data());
  state.counters["GFLOPS"] = benchmark::Counter(2.0 * n * n * n * state.iterations(),
                                                benchmark::Counter::kIsRate, benchmark::Counter::kIs1000);
}
BENCHMARK(BM_Matmul)->Arg(256)->Arg(1024)->Unit(benchmark::kMillisecond);
