#pragma once
// keel's own float32 direct convolution for 3x3 and 5x5 kernels at stride 1, no dilation, one
// group: loops over shifted copies of each sample instead of im2col + GEMM, for the layers whose
// few channels leave a GEMM mostly packing and oneDNN's blocked kernels mostly reordering (an
// image's first layer, a narrow CNN's second; docs/benchmarks.md).
#include "kernels/cpu/conv.h"

namespace keel::kernels {

// Whether the kernels below compute this convolution (the padding must be at most the kernel
// size - 1: the input gradient is a forward convolution with the complementary padding).
bool conv2d_direct_applies(const Conv2dShape& s);

// y = conv(x, w) + b (b may be null); the contract of conv2d_forward.
void conv2d_direct_forward(const Conv2dShape& s, const float* x, const float* w, const float* b, float* y);

// The input gradient gx (overwritten): the forward convolution of gy with the kernel flipped
// and its channel axes swapped.
void conv2d_direct_backward_data(const Conv2dShape& s, const float* w, const float* gy, float* gx);

// The weight and bias gradients (either may be null; overwritten). Each output channel's sums
// run in the same order at any thread count.
void conv2d_direct_backward_weights(const Conv2dShape& s, const float* x, const float* gy, float* gw,
                                    float* gb);

}  // namespace keel::kernels
