#pragma once
// 2-D convolution kernels on contiguous NCHW data: im2col + GEMM per sample.
#include <cstdint>

namespace keel::kernels {

struct Conv2dShape {
  std::int64_t n, c, h, w;  // input
  std::int64_t o, kh, kw;   // weight (o, c / groups, kh, kw)
  std::int64_t oh, ow;      // output spatial size
  std::int64_t sh, sw, ph, pw, dh, dw, groups;
};

// y = conv(x, w) + b; b may be null.
template <class T>
void conv2d_forward(const Conv2dShape& s, const T* x, const T* w, const T* b, T* y);

// Gradients for the non-null outputs among gx (like x), gw (like w), gb (o); they are overwritten.
template <class T>
void conv2d_backward(const Conv2dShape& s, const T* x, const T* w, const T* gy, T* gx, T* gw, T* gb);

}  // namespace keel::kernels
