#pragma once
// float32 convolution through oneDNN's convolution primitives (forward, backward data and
// backward weights): Winograd F(4x4, 3x3) (AVX-512 CPUs only: 4x fewer multiplies than
// im2col + GEMM, relative error ~1e-6 against ~1e-7), direct (oneDNN's JIT kernels on
// channel-blocked layouts) or direct on the plain NCHW layouts (which oneDNN runs as its own
// im2col + JIT sgemm, "gemm:jit": no reorders). The primitives, their reorders and their layouts are created
// once per (shape, algorithm, thread count) and cached; data stays NCHW at the interface and is reordered
// around each call into buffers from keel's caching allocator, and oneDNN's scratchpad comes from there too,
// so a call allocates nothing from the system.
#include "kernels/cpu/conv.h"

namespace keel::kernels {

enum class OnednnConvAlgo { kWinograd, kDirect, kPlainGemm };

// Whether oneDNN has an implementation of this float32 convolution with this algorithm on this
// CPU (one group, no dilation; Winograd also needs 3x3 and stride 1). Creates and caches the
// primitives on first use.
bool onednn_conv2d_available(const Conv2dShape& s, OnednnConvAlgo algo);

// The name of oneDNN's implementation for the forward primitive (e.g. "jit:avx2"), or "" when
// it has none.
const char* onednn_conv2d_impl(const Conv2dShape& s, OnednnConvAlgo algo);

// Same contracts as conv2d_forward / conv2d_backward; call only when onednn_conv2d_available.
void onednn_conv2d_forward(const Conv2dShape& s, OnednnConvAlgo algo, const float* x, const float* w,
                           const float* b, float* y);
void onednn_conv2d_backward(const Conv2dShape& s, OnednnConvAlgo algo, const float* x, const float* w,
                            const float* gy, float* gx, float* gw, float* gb);

}  // namespace keel::kernels
