// oneDNN's convolution primitives against keel's im2col + GEMM on the cnn_step shapes, pass by
// pass (forward, backward data, backward weights with the bias gradient), through keel's conv
// kernels so that what is timed is what conv2d_plan chooses between:
//   cmake -DKEEL_BUILD_BENCH=ON ... && ./keel_conv_bench --benchmark_repetitions=5
//   (the pass labels: 0 forward, 1 backward data, 2 backward weights + bias; path 0 im2col,
//   1 oneDNN Winograd, 2 oneDNN direct, 3 oneDNN on plain layouts, 4 keel's direct loops)
// A path oneDNN has no implementation for on this CPU (Winograd without AVX-512) is skipped.
#include <benchmark/benchmark.h>
#include <keel/keel.h>

#include <string>
#include <vector>

#include "kernels/cpu/conv.h"
#include "kernels/cpu/conv_onednn.h"

namespace {

using keel::kernels::Conv2dShape;
using keel::kernels::ConvPath;

// cnn_step's two convolutions (batch 64, 3x3, padding 1): 1 -> 32 at 28x28, 32 -> 64 at 14x14;
// then configs/fast.toml's narrow CNN at its batch of 32: 1 -> 8 at 28x28, 8 -> 16 at 14x14.
Conv2dShape shape(std::int64_t which) {
  switch (which) {
    case 0:
      return {64, 1, 28, 28, 32, 3, 3, 28, 28, 1, 1, 1, 1, 1, 1, 1};
    case 1:
      return {64, 32, 14, 14, 64, 3, 3, 14, 14, 1, 1, 1, 1, 1, 1, 1};
    case 2:
      return {32, 1, 28, 28, 8, 3, 3, 28, 28, 1, 1, 1, 1, 1, 1, 1};
    default:
      return {32, 8, 14, 14, 16, 3, 3, 14, 14, 1, 1, 1, 1, 1, 1, 1};
  }
}

enum Pass { kForward, kBackwardData, kBackwardWeights };

void BM_Conv(benchmark::State& state) {
  const Conv2dShape s = shape(state.range(0));
  const auto path = static_cast<ConvPath>(state.range(1));
  const auto pass = static_cast<Pass>(state.range(2));
  keel::set_num_threads(static_cast<int>(state.range(3)));
  if (!keel::kernels::conv2d_path_available(s, path)) {
    state.SkipWithError("no implementation on this CPU");
    return;
  }
  if (path != ConvPath::kIm2col && path != ConvPath::kKeelDirect) {
    const auto algo = path == ConvPath::kOnednnWinograd ? keel::kernels::OnednnConvAlgo::kWinograd
                      : path == ConvPath::kOnednnDirect ? keel::kernels::OnednnConvAlgo::kDirect
                                                        : keel::kernels::OnednnConvAlgo::kPlainGemm;
    state.SetLabel(keel::kernels::onednn_conv2d_impl(s, algo));
  }
  keel::Tensor x = keel::rand({s.n, s.c, s.h, s.w}), w = keel::rand({s.o, s.c, s.kh, s.kw}),
               b = keel::rand({s.o}), gy = keel::rand({s.n, s.o, s.oh, s.ow});
  keel::Tensor y = keel::empty({s.n, s.o, s.oh, s.ow}), gx = keel::empty({s.n, s.c, s.h, s.w}),
               gw = keel::empty({s.o, s.c, s.kh, s.kw}), gb = keel::empty({s.o});
  const float *xp = x.data_ptr<float>(), *wp = w.data_ptr<float>(), *bp = b.data_ptr<float>(),
              *gyp = gy.data_ptr<float>();
  auto run = [&] {
    switch (pass) {
      case kForward:
        keel::kernels::conv2d_forward(s, path, xp, wp, bp, y.data_ptr<float>());
        break;
      case kBackwardData:
        keel::kernels::conv2d_backward(s, path, xp, wp, gyp, gx.data_ptr<float>(), nullptr, nullptr);
        break;
      case kBackwardWeights:
        keel::kernels::conv2d_backward(s, path, xp, wp, gyp, nullptr, gw.data_ptr<float>(),
                                       gb.data_ptr<float>());
        break;
    }
  };
  run();  // creates and caches oneDNN's primitives
  for (auto _ : state) run();
  const double flops = 2.0 * s.n * s.oh * s.ow * s.c * s.o * s.kh * s.kw;
  state.counters["GFLOPS"] = benchmark::Counter(flops * static_cast<double>(state.iterations()),
                                                benchmark::Counter::kIsRate, benchmark::Counter::kIs1000);
}

void Args(benchmark::internal::Benchmark* b) {
  b->ArgNames({"shape", "path", "pass", "threads"});
  for (std::int64_t threads : {1, 2})
    for (std::int64_t sh : {0, 1, 2, 3})
      for (std::int64_t pass : {kForward, kBackwardData, kBackwardWeights})
        for (ConvPath path : {ConvPath::kIm2col, ConvPath::kOnednnDirect, ConvPath::kOnednnGemm,
                              ConvPath::kOnednnWinograd, ConvPath::kKeelDirect})
          b->Args({sh, static_cast<std::int64_t>(path), pass, threads});
}

}  // namespace

// CPU time (the default): on a shared machine it leaves out the time other processes held the
// core; at 2 threads it is the calling thread's only, so compare 2-thread runs by wall time.
BENCHMARK(BM_Conv)->Apply(Args)->Unit(benchmark::kMillisecond);
