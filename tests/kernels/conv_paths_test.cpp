// Every float32 convolution path (im2col + GEMM, oneDNN direct, oneDNN Winograd where the CPU
// has it, keel's single-channel loops) against the float64 im2col kernel, pass by pass, on the
// cnn_step shapes and on shapes with stride, no padding, a non-square kernel and one input channel.
#include <gtest/gtest.h>
#include <keel/keel.h>

#include <cmath>
#include <vector>

#include "kernels/cpu/conv.h"
#include "kernels/cpu/dispatch.h"
#include "support/gradcheck.h"

using keel::Tensor;
using keel::kernels::Conv2dShape;
using keel::kernels::ConvPath;

namespace {

Tensor rnd(const keel::Dims& s, std::uint64_t seed) {
  return keel::testing::rand_input(s, -1, 1, seed).detach().to_float();
}

double max_abs_diff(const Tensor& a, const Tensor& b) { return keel::testing::max_abs_diff(a, b); }

struct Case {
  Conv2dShape s;
  const char* name;
};

Conv2dShape make(std::int64_t n, std::int64_t c, std::int64_t h, std::int64_t w, std::int64_t o,
                 std::int64_t kh, std::int64_t kw, std::int64_t stride, std::int64_t pad) {
  const std::int64_t oh = (h + 2 * pad - kh) / stride + 1, ow = (w + 2 * pad - kw) / stride + 1;
  return {n, c, h, w, o, kh, kw, oh, ow, stride, stride, pad, pad, 1, 1, 1};
}

}  // namespace

TEST(ConvPaths, EveryAvailablePathMatchesFloat64) {
  const std::vector<Case> cases = {
      {make(4, 1, 28, 28, 32, 3, 3, 1, 1), "cnn conv1 (batch 4)"},
      {make(4, 32, 14, 14, 64, 3, 3, 1, 1), "cnn conv2 (batch 4)"},
      {make(3, 8, 11, 9, 16, 3, 3, 2, 0), "stride 2, unpadded"},
      {make(2, 8, 12, 12, 8, 3, 3, 2, 0), "stride 2, last row and column unread"},
      {make(2, 5, 10, 12, 7, 5, 3, 1, 2), "5x3 kernel, 7 outputs"},
      // One input channel (8 + 2 + 1 output channels, rows of 35 and 11 outputs: partial
      // vectors; 5x5), and three with a 5x5 kernel and less padding than 'same'.
      {make(3, 1, 9, 37, 11, 3, 3, 1, 0), "one channel, unpadded, 11 outputs"},
      {make(2, 1, 13, 11, 3, 5, 5, 1, 2), "one channel, 5x5"},
      {make(2, 3, 12, 20, 5, 5, 5, 1, 1), "3 channels, 5x5, padding 1"},
  };
  int paths_run = 0;
  for (const Case& c : cases) {
    const Conv2dShape& s = c.s;
    Tensor x = rnd({s.n, s.c, s.h, s.w}, 1), w = rnd({s.o, s.c, s.kh, s.kw}, 2) * 0.3, b = rnd({s.o}, 3),
           gy = rnd({s.n, s.o, s.oh, s.ow}, 4);
    // The float64 reference on the same values.
    Tensor xd = x.to_double(), wd = w.to_double(), bd = b.to_double(), gyd = gy.to_double();
    Tensor yd = keel::empty({s.n, s.o, s.oh, s.ow}, keel::kFloat64),
           gxd = keel::empty(xd.sizes(), keel::kFloat64), gwd = keel::empty(wd.sizes(), keel::kFloat64),
           gbd = keel::empty({s.o}, keel::kFloat64);
    keel::kernels::conv2d_forward(s, xd.data_ptr<double>(), wd.data_ptr<double>(), bd.data_ptr<double>(),
                                  yd.data_ptr<double>());
    keel::kernels::conv2d_backward(s, xd.data_ptr<double>(), wd.data_ptr<double>(), gyd.data_ptr<double>(),
                                   gxd.data_ptr<double>(), gwd.data_ptr<double>(), gbd.data_ptr<double>());
    for (ConvPath path : {ConvPath::kIm2col, ConvPath::kOnednnDirect, ConvPath::kOnednnGemm,
                          ConvPath::kOnednnWinograd, ConvPath::kKeelDirect}) {
      if (!keel::kernels::conv2d_path_available(s, path)) continue;
      ++paths_run;
      Tensor y = keel::empty(yd.sizes()), gx = keel::empty(xd.sizes()), gw = keel::empty(wd.sizes()),
             gb = keel::empty({s.o});
      keel::kernels::conv2d_forward(s, path, x.data_ptr<float>(), w.data_ptr<float>(), b.data_ptr<float>(),
                                    y.data_ptr<float>());
      keel::kernels::conv2d_backward(s, path, x.data_ptr<float>(), w.data_ptr<float>(), gy.data_ptr<float>(),
                                     gx.data_ptr<float>(), gw.data_ptr<float>(), gb.data_ptr<float>());
      const int p = static_cast<int>(path);
      EXPECT_LT(max_abs_diff(y.to_double(), yd), 1e-4) << c.name << ", path " << p;
      EXPECT_LT(max_abs_diff(gx.to_double(), gxd), 1e-4) << c.name << ", path " << p;
      EXPECT_LT(max_abs_diff(gw.to_double(), gwd), 1e-3) << c.name << ", path " << p;
      EXPECT_LT(max_abs_diff(gb.to_double(), gbd), 1e-3) << c.name << ", path " << p;
      // Only the weight gradient (the first layer of a network: its input needs none), and only
      // the input gradient.
      Tensor gw2 = keel::empty(wd.sizes()), gx2 = keel::empty(xd.sizes());
      keel::kernels::conv2d_backward(s, path, x.data_ptr<float>(), w.data_ptr<float>(), gy.data_ptr<float>(),
                                     nullptr, gw2.data_ptr<float>(), nullptr);
      keel::kernels::conv2d_backward(s, path, x.data_ptr<float>(), w.data_ptr<float>(), gy.data_ptr<float>(),
                                     gx2.data_ptr<float>(), nullptr, nullptr);
      EXPECT_EQ(max_abs_diff(gw2, gw), 0.0) << c.name << ", path " << p;
      EXPECT_EQ(max_abs_diff(gx2, gx), 0.0) << c.name << ", path " << p;
    }
  }
  // im2col on every case, oneDNN's direct convolution exists for these shapes on any x86-64
  // CPU oneDNN supports, and keel's direct loops take the 3x3 and 5x5 cases at stride 1.
  EXPECT_GE(paths_run, 21);
}

TEST(ConvPaths, PlanDependsOnlyOnTheShape) {
  auto same = [](const keel::kernels::ConvPlan& a, const keel::kernels::ConvPlan& b) {
    return a.forward == b.forward && a.backward_data == b.backward_data &&
           a.backward_weights == b.backward_weights;
  };
  const Conv2dShape s = make(64, 32, 14, 14, 64, 3, 3, 1, 1);
  const keel::kernels::ConvPlan first = keel::kernels::conv2d_plan(s);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(same(keel::kernels::conv2d_plan(s), first));
  for (ConvPath p : {first.forward, first.backward_data, first.backward_weights})
    EXPECT_TRUE(keel::kernels::conv2d_path_available(s, p));
  // Grouped and small convolutions stay on im2col.
  Conv2dShape grouped = make(64, 32, 14, 14, 64, 3, 3, 1, 1);
  grouped.groups = 2;
  const keel::kernels::ConvPlan im2col{ConvPath::kIm2col, ConvPath::kIm2col, ConvPath::kIm2col};
  EXPECT_TRUE(same(keel::kernels::conv2d_plan(grouped), im2col));
  EXPECT_TRUE(same(keel::kernels::conv2d_plan(make(2, 8, 9, 9, 8, 3, 3, 1, 1)), im2col));
  // On a CPU without Winograd, oneDNN's direct convolution takes forward and backward data at
  // any thread count; the weight gradient stays on im2col.
  if (!keel::kernels::conv2d_path_available(s, ConvPath::kOnednnWinograd)) {
    const int threads = keel::get_num_threads();
    for (int n : {1, 2}) {
      keel::set_num_threads(n);
      const keel::kernels::ConvPlan plan = keel::kernels::conv2d_plan(s);
      EXPECT_EQ(plan.forward, ConvPath::kOnednnDirect) << n << " threads";
      EXPECT_EQ(plan.backward_data, ConvPath::kOnednnDirect) << n << " threads";
      EXPECT_EQ(plan.backward_weights, ConvPath::kIm2col) << n << " threads";
    }
    keel::set_num_threads(threads);
  }
}

TEST(ConvPaths, OnAvx512KeelsDirectLoopsTakeFirstLayersAndSmallBackwardPasses) {
  if ((keel::kernels::simd::supported_targets() & HWY_AVX3) == 0) GTEST_SKIP() << "no AVX-512 on this CPU";
  // One input channel: keel's direct loops for the forward and the weight gradient, however large the
  // layer (oneDNN's Winograd is 4-5x slower there); the input gradient (which a first layer
  // never needs) stays on im2col.
  for (std::int64_t n : {2, 16, 64, 256}) {
    const keel::kernels::ConvPlan plan = keel::kernels::conv2d_plan(make(n, 1, 28, 28, 32, 3, 3, 1, 1));
    EXPECT_EQ(plan.forward, ConvPath::kKeelDirect) << "batch " << n;
    EXPECT_EQ(plan.backward_data, ConvPath::kIm2col) << "batch " << n;
    EXPECT_EQ(plan.backward_weights, ConvPath::kKeelDirect) << "batch " << n;
  }
  // With a stride, oneDNN's direct weight gradient.
  const keel::kernels::ConvPlan strided = keel::kernels::conv2d_plan(make(64, 1, 28, 28, 32, 3, 3, 2, 1));
  EXPECT_EQ(strided.forward, ConvPath::kIm2col);
  EXPECT_EQ(strided.backward_weights, ConvPath::kOnednnDirect);
  // A small layer with blocked channels (8 -> 16 at 14x14, batch 32) runs oneDNN's direct
  // forward and keel's direct backward passes; a tiny one stays on im2col.
  const keel::kernels::ConvPlan small = keel::kernels::conv2d_plan(make(32, 8, 14, 14, 16, 3, 3, 1, 1));
  EXPECT_EQ(small.forward, ConvPath::kOnednnDirect);
  EXPECT_EQ(small.backward_data, ConvPath::kKeelDirect);
  EXPECT_EQ(small.backward_weights, ConvPath::kKeelDirect);
  EXPECT_EQ(keel::kernels::conv2d_plan(make(2, 8, 9, 9, 8, 3, 3, 1, 1)).forward, ConvPath::kIm2col);
}

TEST(ConvPaths, KeelDirectGradientsDoNotDependOnTheThreadCount) {
  // Its threads split the weight gradient by output channel and the input gradient by sample, so
  // every sum runs in one order at any thread count.
  const Conv2dShape s = make(16, 8, 14, 14, 16, 3, 3, 1, 1);
  Tensor x = rnd({s.n, s.c, s.h, s.w}, 5), w = rnd({s.o, s.c, s.kh, s.kw}, 6),
         gy = rnd({s.n, s.o, s.oh, s.ow}, 7);
  auto grads = [&](int threads) {
    keel::set_num_threads(threads);
    Tensor gx = keel::empty(x.sizes()), gw = keel::empty(w.sizes()), gb = keel::empty({s.o});
    keel::kernels::conv2d_backward(s, ConvPath::kKeelDirect, x.data_ptr<float>(), w.data_ptr<float>(),
                                   gy.data_ptr<float>(), gx.data_ptr<float>(), gw.data_ptr<float>(),
                                   gb.data_ptr<float>());
    return std::vector<Tensor>{gx, gw, gb};
  };
  const int threads = keel::get_num_threads();
  const std::vector<Tensor> one = grads(1), two = grads(2);
  keel::set_num_threads(threads);
  for (std::size_t i = 0; i < one.size(); ++i)
    EXPECT_EQ(max_abs_diff(one[i], two[i]), 0.0) << "gradient " << i;
}
