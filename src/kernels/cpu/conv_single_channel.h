#pragma once
// float32 convolution with one input channel (an image's first layer), a 3x3 or 5x5 kernel,
// stride 1, no dilation, one group: direct loops over padded rows instead of im2col + GEMM,
// whose 9-deep products leave the GEMM mostly packing (cnn_step's 1 -> 32 layer ran at 45-60
// GFLOPS on a Zen 5 through im2col or oneDNN; docs/benchmarks.md).
#include "kernels/cpu/conv.h"

namespace keel::kernels {

// Whether the kernels below compute this convolution.
bool conv2d_single_channel_applies(const Conv2dShape& s);

// y = conv(x, w) + b (b may be null); the contract of conv2d_forward.
void conv2d_single_channel_forward(const Conv2dShape& s, const float* x, const float* w, const float* b,
                                   float* y);

// The weight and bias gradients (either may be null; overwritten). Each output channel's sums
// run in the same order at any thread count.
void conv2d_single_channel_backward_weights(const Conv2dShape& s, const float* x, const float* gy, float* gw,
                                            float* gb);

}  // namespace keel::kernels
