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

// One block of configs/fast.toml's narrow CNN at batch 32 (8 channels at 28x28), layer by layer,
// forward and backward, at 1 and 2 threads: where a small convolutional step spends its time.
namespace {

keel::Tensor block_input() { return keel::rand({32, 8, 28, 28}).requires_grad_(); }

void run_block(benchmark::State& state, keel::nn::Module& m, keel::Tensor x) {
  keel::set_num_threads(static_cast<int>(state.range(0)));
  keel::Tensor g;
  for (auto _ : state) {
    keel::Tensor y = m.forward(x);
    if (!g.defined()) g = keel::rand(y.sizes());
    y.backward(g);
    x.set_grad(keel::Tensor());
  }
}

}  // namespace

static void BM_BlockConv8to16(benchmark::State& state) {
  keel::nn::Conv2d conv(8, 16, 3, 1, 1);
  run_block(state, conv, keel::rand({32, 8, 14, 14}).requires_grad_());
}
BENCHMARK(BM_BlockConv8to16)->ArgName("threads")->Arg(1)->Arg(2)->Unit(benchmark::kMicrosecond);

static void BM_BlockConv1to8(benchmark::State& state) {
  keel::nn::Conv2d conv(1, 8, 3, 1, 1);
  run_block(state, conv, keel::rand({32, 1, 28, 28}));
}
BENCHMARK(BM_BlockConv1to8)->ArgName("threads")->Arg(1)->Arg(2)->Unit(benchmark::kMicrosecond);

static void BM_BlockBatchNormRelu(benchmark::State& state) {
  keel::nn::Sequential seq;
  seq.push_back(std::make_shared<keel::nn::BatchNorm2d>(8));
  seq.push_back(std::make_shared<keel::nn::ReLU>());
  run_block(state, seq, block_input());
}
BENCHMARK(BM_BlockBatchNormRelu)->ArgName("threads")->Arg(1)->Arg(2)->Unit(benchmark::kMicrosecond);

static void BM_BlockMaxPool(benchmark::State& state) {
  keel::nn::MaxPool2d pool(2);
  run_block(state, pool, block_input());
}
BENCHMARK(BM_BlockMaxPool)->ArgName("threads")->Arg(1)->Arg(2)->Unit(benchmark::kMicrosecond);

static void BM_BlockBatchNormReluPool(benchmark::State& state) {
  keel::nn::Sequential seq;
  seq.push_back(std::make_shared<keel::nn::BatchNorm2d>(8));
  seq.push_back(std::make_shared<keel::nn::ReLU>());
  seq.push_back(std::make_shared<keel::nn::MaxPool2d>(2));
  run_block(state, seq, block_input());
}
BENCHMARK(BM_BlockBatchNormReluPool)->ArgName("threads")->Arg(1)->Arg(2)->Unit(benchmark::kMicrosecond);
