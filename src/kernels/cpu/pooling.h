#pragma once
// 2-D pooling kernels on contiguous (planes, h, w) data, parallel over planes (N * C).
#include <cstdint>

namespace keel::kernels {

struct Pool2dShape {
  std::int64_t planes, h, w, oh, ow;
  std::int64_t kh, kw, sh, sw, ph, pw, dh, dw;
};

// y = window max; idx = flat index (iy * w + ix) of the first max (NaN wins) in each plane.
template <class T>
void max_pool2d_forward(const Pool2dShape& s, const T* x, T* y, std::int64_t* idx);
// gx (overwritten) = scatter-add of gy at idx.
template <class T>
void max_pool2d_backward(const Pool2dShape& s, const T* gy, const std::int64_t* idx, T* gx);

// Window means as PyTorch: with count_include_pad the divisor is the window clipped to the
// padded input, else the window clipped to the input.
template <class T>
void avg_pool2d_forward(const Pool2dShape& s, bool count_include_pad, const T* x, T* y);
template <class T>
void avg_pool2d_backward(const Pool2dShape& s, bool count_include_pad, const T* gy, T* gx);

// Adaptive windows [floor(i * in / out), ceil((i + 1) * in / out)); only planes/h/w/oh/ow used.
template <class T>
void adaptive_avg_pool2d_forward(const Pool2dShape& s, const T* x, T* y);
template <class T>
void adaptive_avg_pool2d_backward(const Pool2dShape& s, const T* gy, T* gx);

}  // namespace keel::kernels
