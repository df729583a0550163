#pragma once
// float32 3x3 convolution through oneDNN's Winograd F(4x4, 3x3) primitives (forward, backward
// data and backward weights), for the shapes where it pays: it does 4x fewer multiplies than
// im2col + GEMM, at a relative error of ~1e-6 (against ~1e-7). The primitives are created once
// per shape and cached; data stays NCHW at the interface and is reordered around each call.
#include "kernels/cpu/conv.h"

namespace keel::kernels {

// Whether the Winograd path takes this float32 convolution (stride 1, no dilation, one group,
// 3x3, large enough, and oneDNN has an implementation for the shape on this CPU).
bool winograd_conv2d_applies(const Conv2dShape& s);

// Same contracts as conv2d_forward / conv2d_backward; call only when winograd_conv2d_applies.
void winograd_conv2d_forward(const Conv2dShape& s, const float* x, const float* w, const float* b, float* y);
void winograd_conv2d_backward(const Conv2dShape& s, const float* x, const float* w, const float* gy,
                              float* gx, float* gw, float* gb);

}  // namespace keel::kernels
