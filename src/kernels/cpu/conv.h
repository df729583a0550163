#pragma once
// 2-D convolution kernels on contiguous NCHW data: im2col + GEMM per sample, keel's direct loops
// (conv_direct.h), or for float32 oneDNN's convolution primitives, whichever
// conv2d_plan measured fastest.
#include <cstdint>

namespace keel::kernels {

struct Conv2dShape {
  std::int64_t n, c, h, w;  // input
  std::int64_t o, kh, kw;   // weight (o, c / groups, kh, kw)
  std::int64_t oh, ow;      // output spatial size
  std::int64_t sh, sw, ph, pw, dh, dw, groups;
};

// How a convolution is computed. float64 always takes kIm2col.
enum class ConvPath {
  kIm2col,          // im2col + keel's GEMM, one sample at a time
  kOnednnWinograd,  // oneDNN Winograd F(4x4, 3x3) (AVX-512 CPUs)
  kOnednnDirect,    // oneDNN direct convolution on channel-blocked layouts
  kOnednnGemm,      // oneDNN on the plain NCHW layouts: its own im2col + JIT sgemm
  kKeelDirect,      // keel's direct loops for 3x3 and 5x5 kernels at stride 1 (conv_direct.h)
};

// The paths a float32 convolution of this shape takes, pass by pass: the fastest measured for
// it on this CPU (docs/benchmarks.md, issue 14). It depends only on the shape, the CPU and the
// thread count, never on timing, so a run's results are reproducible.
struct ConvPlan {
  ConvPath forward, backward_data, backward_weights;  // backward_weights computes the bias gradient too
};
ConvPlan conv2d_plan(const Conv2dShape& s);

// Whether `path` can compute this float32 convolution on this CPU (kIm2col always can).
bool conv2d_path_available(const Conv2dShape& s, ConvPath path);

// y = conv(x, w) + b; b may be null. float32 follows conv2d_plan(s).
template <class T>
void conv2d_forward(const Conv2dShape& s, const T* x, const T* w, const T* b, T* y);

// Gradients for the non-null outputs among gx (like x), gw (like w), gb (o); they are overwritten.
template <class T>
void conv2d_backward(const Conv2dShape& s, const T* x, const T* w, const T* gy, T* gx, T* gw, T* gb);

// The same on a given path (benchmarks and tests compare the paths); it must be available.
void conv2d_forward(const Conv2dShape& s, ConvPath path, const float* x, const float* w, const float* b,
                    float* y);
void conv2d_backward(const Conv2dShape& s, ConvPath path, const float* x, const float* w, const float* gy,
                     float* gx, float* gw, float* gb);

}  // namespace keel::kernels
