// Convolution as im2col + GEMM, one sample at a time. A batch at least as large as the
// thread count is split over threads (each with its own column buffer and its own weight
// gradient accumulator, reduced at the end); a smaller batch runs serially and lets the GEMM
// use the threads instead. float32 convolutions go to oneDNN's primitives (conv_onednn.h)
// where conv2d_plan says they are faster.
#include "kernels/cpu/conv.h"

#include <omp.h>

#include <algorithm>
#include <cstring>
#include <type_traits>
#include <vector>

#include "keel/core/error.h"
#include "kernels/cpu/conv_direct.h"
#include "kernels/cpu/conv_onednn.h"
#include "kernels/cpu/dispatch.h"
#include "kernels/cpu/gemm.h"
#include "kernels/cpu/parallel.h"
#include "kernels/cpu/scratch.h"

namespace keel::kernels {
namespace {

// The three GEMM layouts convolution needs, on the shared GEMM kernel.
template <class T>
void gemm(char ta, char tb, std::int64_t m, std::int64_t n, std::int64_t k, const T* a, std::int64_t lda,
          const T* b, std::int64_t ldb, T beta, T* c, std::int64_t ldc) {
  kernels::gemm(ta == 'T', tb == 'T', m, n, k, T(1), a, lda, b, ldb, beta, c, ldc);
}

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }
std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

// Output columns [lo, hi) whose input column ow * sw - pw + kx * dw lies inside [0, w).
void valid_cols(const Conv2dShape& s, std::int64_t kx, std::int64_t& lo, std::int64_t& hi) {
  std::int64_t off = kx * s.dw - s.pw;
  lo = std::clamp<std::int64_t>(ceil_div(-off, s.sw), 0, s.ow);
  hi = std::clamp<std::int64_t>(floor_div(s.w - 1 - off, s.sw) + 1, lo, s.ow);
}

// cols (c * kh * kw, oh * ow) from one sample x (c, h, w).
template <class T>
void im2col(const Conv2dShape& s, const T* x, T* cols) {
  const std::int64_t plane = s.oh * s.ow;
  for (std::int64_t c = 0; c < s.c; ++c) {
    for (std::int64_t ky = 0; ky < s.kh; ++ky) {
      for (std::int64_t kx = 0; kx < s.kw; ++kx) {
        T* row = cols + ((c * s.kh + ky) * s.kw + kx) * plane;
        std::int64_t lo, hi;
        valid_cols(s, kx, lo, hi);
        const std::int64_t off = kx * s.dw - s.pw;
        for (std::int64_t oy = 0; oy < s.oh; ++oy) {
          T* r = row + oy * s.ow;
          const std::int64_t iy = oy * s.sh - s.ph + ky * s.dh;
          if (iy < 0 || iy >= s.h) {
            std::fill(r, r + s.ow, T(0));
            continue;
          }
          const T* src = x + (c * s.h + iy) * s.w + off;
          std::fill(r, r + lo, T(0));
          if (s.sw == 1) {
            std::copy(src + lo, src + hi, r + lo);
          } else {
            for (std::int64_t ox = lo; ox < hi; ++ox) r[ox] = src[ox * s.sw];
          }
          std::fill(r + hi, r + s.ow, T(0));
        }
      }
    }
  }
}

// x (c, h, w) = sum of the columns that read each input element (overwrites x).
template <class T>
void col2im(const Conv2dShape& s, const T* cols, T* x) {
  const std::int64_t plane = s.oh * s.ow;
  std::fill(x, x + s.c * s.h * s.w, T(0));
  for (std::int64_t c = 0; c < s.c; ++c) {
    for (std::int64_t ky = 0; ky < s.kh; ++ky) {
      for (std::int64_t kx = 0; kx < s.kw; ++kx) {
        const T* row = cols + ((c * s.kh + ky) * s.kw + kx) * plane;
        std::int64_t lo, hi;
        valid_cols(s, kx, lo, hi);
        const std::int64_t off = kx * s.dw - s.pw;
        for (std::int64_t oy = 0; oy < s.oh; ++oy) {
          const std::int64_t iy = oy * s.sh - s.ph + ky * s.dh;
          if (iy < 0 || iy >= s.h) continue;
          const T* r = row + oy * s.ow;
          T* dst = x + (c * s.h + iy) * s.w + off;
          if (s.sw == 1) {
            for (std::int64_t ox = lo; ox < hi; ++ox) dst[ox] += r[ox];
          } else {
            for (std::int64_t ox = lo; ox < hi; ++ox) dst[ox * s.sw] += r[ox];
          }
        }
      }
    }
  }
}

// A 1x1, stride 1, unpadded convolution reads its columns straight from the input.
bool is_pointwise(const Conv2dShape& s) {
  return s.kh == 1 && s.kw == 1 && s.sh == 1 && s.sw == 1 && s.ph == 0 && s.pw == 0;
}

// The im2col columns of one sample (kernels/cpu/scratch.h).
struct ColumnsTag;
template <class T>
T* scratch(std::size_t n) {
  return thread_scratch<ColumnsTag, T>(n);
}

// Threads to split the batch over: all of them when the batch can feed them, else one.
int batch_threads(std::int64_t n) {
  int nt = omp_in_parallel() ? 1 : omp_get_max_threads();
  return n >= nt ? nt : 1;
}

template <class T>
void im2col_conv2d_forward(const Conv2dShape& s, const T* x, const T* w, const T* b, T* y) {
  const std::int64_t cg = s.c / s.groups, og = s.o / s.groups, kg = cg * s.kh * s.kw;
  const std::int64_t plane = s.oh * s.ow, in_sample = s.c * s.h * s.w, out_sample = s.o * plane;
  const bool pointwise = is_pointwise(s);
  auto run = [&](std::int64_t begin, std::int64_t end) {
    T* cols = pointwise ? nullptr : scratch<T>(static_cast<std::size_t>(kg * s.groups * plane));
    for (std::int64_t i = begin; i < end; ++i) {
      const T* xi = x + i * in_sample;
      T* yi = y + i * out_sample;
      if (!pointwise) im2col(s, xi, cols);
      const T* src = pointwise ? xi : cols;
      if (b != nullptr) {
        for (std::int64_t oc = 0; oc < s.o; ++oc) std::fill(yi + oc * plane, yi + (oc + 1) * plane, b[oc]);
      }
      for (std::int64_t g = 0; g < s.groups; ++g) {
        gemm('N', 'N', og, plane, kg, w + g * og * kg, kg, src + g * kg * plane, plane, b ? T(1) : T(0),
             yi + g * og * plane, plane);
      }
    }
  };
  int nt = batch_threads(s.n);
  if (nt > 1) {
    parallel_for(0, s.n, 1, run);
  } else {
    run(0, s.n);
  }
}

template <class T>
void im2col_conv2d_backward(const Conv2dShape& s, const T* x, const T* w, const T* gy, T* gx, T* gw, T* gb) {
  const std::int64_t cg = s.c / s.groups, og = s.o / s.groups, kg = cg * s.kh * s.kw;
  const std::int64_t plane = s.oh * s.ow, in_sample = s.c * s.h * s.w, out_sample = s.o * plane;
  const std::int64_t wsize = s.o * kg;
  const bool pointwise = is_pointwise(s);
  const int nt = batch_threads(s.n);
  // Per-thread weight and bias gradient accumulators (one set when serial).
  std::vector<T> acc((gw || gb) ? static_cast<std::size_t>(nt * (wsize + s.o)) : 0, T(0));
  auto run = [&](std::int64_t begin, std::int64_t end) {
    T* mine = acc.empty() ? nullptr : acc.data() + (nt > 1 ? omp_get_thread_num() : 0) * (wsize + s.o);
    const bool need_cols = !pointwise && (gw || gx);
    T* cols = need_cols ? scratch<T>(static_cast<std::size_t>(kg * s.groups * plane)) : nullptr;
    for (std::int64_t i = begin; i < end; ++i) {
      const T* gyi = gy + i * out_sample;
      if (gb) {
        T* accb = mine + wsize;
        for (std::int64_t oc = 0; oc < s.o; ++oc) {
          const T* r = gyi + oc * plane;
          // In double over eight independent partial sums (one float chain here, an add per 4
          // cycles, cost 2 ms a step of a small CNN).
          double part[8] = {0, 0, 0, 0, 0, 0, 0, 0};
          std::int64_t p = 0;
          for (; p + 8 <= plane; p += 8)
            for (int j = 0; j < 8; ++j) part[j] += static_cast<double>(r[p + j]);
          double sum = 0;
          for (; p < plane; ++p) sum += static_cast<double>(r[p]);
          for (double v : part) sum += v;
          accb[oc] += static_cast<T>(sum);
        }
      }
      if (gw) {
        const T* src = x + i * in_sample;
        if (!pointwise) {
          im2col(s, src, cols);
          src = cols;
        }
        for (std::int64_t g = 0; g < s.groups; ++g) {
          gemm('N', 'T', og, kg, plane, gyi + g * og * plane, plane, src + g * kg * plane, plane, T(1),
               mine + g * og * kg, kg);
        }
      }
      if (gx) {
        T* gxi = gx + i * in_sample;
        T* dst = pointwise ? gxi : cols;
        for (std::int64_t g = 0; g < s.groups; ++g) {
          gemm('T', 'N', kg, plane, og, w + g * og * kg, kg, gyi + g * og * plane, plane, T(0),
               dst + g * kg * plane, plane);
        }
        if (!pointwise) col2im(s, cols, gxi);
      }
    }
  };
  if (nt > 1) {
    parallel_for(0, s.n, 1, run);
  } else {
    run(0, s.n);
  }
  for (int t = 0; t < nt && !acc.empty(); ++t) {
    const T* part = acc.data() + t * (wsize + s.o);
    if (gw) {
      if (t == 0) {
        std::copy(part, part + wsize, gw);
      } else {
        for (std::int64_t j = 0; j < wsize; ++j) gw[j] += part[j];
      }
    }
    if (gb) {
      if (t == 0) {
        std::copy(part + wsize, part + wsize + s.o, gb);
      } else {
        for (std::int64_t j = 0; j < s.o; ++j) gb[j] += part[wsize + j];
      }
    }
  }
}

}  // namespace

ConvPlan conv2d_plan(const Conv2dShape& s) {
  const double macs = static_cast<double>(s.n) * s.oh * s.ow * s.c * s.o * s.kh * s.kw;
  constexpr ConvPlan kIm2colOnly{ConvPath::kIm2col, ConvPath::kIm2col, ConvPath::kIm2col};
  // Both channel counts fill oneDNN's 8- or 16-channel blocks; with fewer input channels (an
  // image's first layer) its forward and backward-data passes lose to im2col + GEMM.
  const bool blocked = s.c >= 8 && s.o >= 8;
  if ((simd::supported_targets() & HWY_AVX3) != 0) {
    // AVX-512 (measured on a Zen 5 with bench/micro/conv_bench.cpp; docs/benchmarks.md):
    // - keel's direct loops (conv_direct.h: 3x3 and 5x5 kernels at stride 1) take an image's
    //   first layer (one input channel) at any size, forward and weight gradient: 1 -> 32 at
    //   28x28, batch 64: 0.24-0.29 ms forward against 0.45-0.63 (im2col) and 0.41-0.54 (oneDNN
    //   direct), 1 -> 8 at batch 32: 3-4x at one thread and two. Its input gradient is never
    //   needed there and stays on im2col.
    // - Below about a million multiply-adds im2col + GEMM (oneDNN's fixed cost wins there, and
    //   at two threads it loses up to 2x).
    // - Large blocked layers (both channel counts >= 8, from 2e7 multiply-adds): oneDNN's
    //   Winograd, 4x fewer multiplies in every pass (32 -> 64 at 14x14, batch 64: forward 1.65
    //   ms against 2.95 oneDNN direct and 3.06 keel's direct).
    // - Smaller blocked layers: keel's direct loops for the backward passes (8 -> 16 at 14x14,
    //   batch 32: input gradient 0.089 ms against oneDNN direct's 0.172 at one thread and 0.051
    //   against 0.112 at two, weight gradient 0.165 against 0.219 and 0.099 against 0.252), and
    //   oneDNN's direct forward: keel's is level in the benchmark (0.085 against 0.087 ms; 0.049
    //   against 0.066 at two threads) but cost fast.toml's epoch 3% (1.69 against 1.64 s).
    // - Otherwise (2-7 input channels): im2col for the forward and input-gradient passes,
    //   oneDNN's direct weight gradient (1 -> 32 at batch 64 before keel's loops: 2.9x im2col).
    const bool keel_direct = conv2d_direct_applies(s);
    if (keel_direct && s.c == 1) return {ConvPath::kKeelDirect, ConvPath::kIm2col, ConvPath::kKeelDirect};
    if (macs < 1e6 || !conv2d_path_available(s, ConvPath::kOnednnDirect)) return kIm2colOnly;
    if (blocked && macs >= 2e7 && conv2d_path_available(s, ConvPath::kOnednnWinograd))
      return {ConvPath::kOnednnWinograd, ConvPath::kOnednnWinograd, ConvPath::kOnednnWinograd};
    if (blocked && keel_direct)
      return {ConvPath::kOnednnDirect, ConvPath::kKeelDirect, ConvPath::kKeelDirect};
    const ConvPath data = blocked ? ConvPath::kOnednnDirect : ConvPath::kIm2col;
    return {data, data, ConvPath::kOnednnDirect};
  }
  // AVX2: below this many multiply-adds the reorders and the primitives' fixed cost outweigh
  // what they save. Above it, oneDNN's direct convolution for the forward and backward-data
  // passes when the channels are blocked: on a quiet Zen 3, 1.41x and 1.70x im2col + GEMM on
  // cnn_step's 32 -> 64 layer at one thread, 1.44x and 1.73x at two. Its backward-weights pass
  // was level, and with one input channel (the 1 -> 32 layer) its passes were at best even
  // (forward) or 3-4x slower (backward): those stay on im2col.
  if (macs < 2e7) return kIm2colOnly;
  const ConvPath data = blocked && conv2d_path_available(s, ConvPath::kOnednnDirect) ? ConvPath::kOnednnDirect
                                                                                     : ConvPath::kIm2col;
  return {data, data, ConvPath::kIm2col};
}

bool conv2d_path_available(const Conv2dShape& s, ConvPath path) {
  switch (path) {
    case ConvPath::kIm2col:
      return true;
    case ConvPath::kOnednnWinograd:
      return onednn_conv2d_available(s, OnednnConvAlgo::kWinograd);
    case ConvPath::kOnednnDirect:
      return onednn_conv2d_available(s, OnednnConvAlgo::kDirect);
    case ConvPath::kOnednnGemm:
      return onednn_conv2d_available(s, OnednnConvAlgo::kPlainGemm);
    case ConvPath::kKeelDirect:
      return conv2d_direct_applies(s);
  }
  return false;
}

void conv2d_forward(const Conv2dShape& s, ConvPath path, const float* x, const float* w, const float* b,
                    float* y) {
  switch (path) {
    case ConvPath::kIm2col:
      return im2col_conv2d_forward(s, x, w, b, y);
    case ConvPath::kOnednnWinograd:
      return onednn_conv2d_forward(s, OnednnConvAlgo::kWinograd, x, w, b, y);
    case ConvPath::kOnednnDirect:
      return onednn_conv2d_forward(s, OnednnConvAlgo::kDirect, x, w, b, y);
    case ConvPath::kOnednnGemm:
      return onednn_conv2d_forward(s, OnednnConvAlgo::kPlainGemm, x, w, b, y);
    case ConvPath::kKeelDirect:
      return conv2d_direct_forward(s, x, w, b, y);
  }
}

void conv2d_backward(const Conv2dShape& s, ConvPath path, const float* x, const float* w, const float* gy,
                     float* gx, float* gw, float* gb) {
  switch (path) {
    case ConvPath::kIm2col:
      return im2col_conv2d_backward(s, x, w, gy, gx, gw, gb);
    case ConvPath::kOnednnWinograd:
      return onednn_conv2d_backward(s, OnednnConvAlgo::kWinograd, x, w, gy, gx, gw, gb);
    case ConvPath::kOnednnDirect:
      return onednn_conv2d_backward(s, OnednnConvAlgo::kDirect, x, w, gy, gx, gw, gb);
    case ConvPath::kOnednnGemm:
      return onednn_conv2d_backward(s, OnednnConvAlgo::kPlainGemm, x, w, gy, gx, gw, gb);
    case ConvPath::kKeelDirect:
      if (gx != nullptr) conv2d_direct_backward_data(s, w, gy, gx);
      return conv2d_direct_backward_weights(s, x, gy, gw, gb);
  }
}

template <class T>
void conv2d_forward(const Conv2dShape& s, const T* x, const T* w, const T* b, T* y) {
  if constexpr (std::is_same_v<T, float>) {
    conv2d_forward(s, conv2d_plan(s).forward, x, w, b, y);
  } else {
    im2col_conv2d_forward(s, x, w, b, y);
  }
}

template <class T>
void conv2d_backward(const Conv2dShape& s, const T* x, const T* w, const T* gy, T* gx, T* gw, T* gb) {
  if constexpr (std::is_same_v<T, float>) {
    const ConvPlan plan = conv2d_plan(s);
    if (plan.backward_data == plan.backward_weights || gx == nullptr || (gw == nullptr && gb == nullptr)) {
      conv2d_backward(s, gx != nullptr ? plan.backward_data : plan.backward_weights, x, w, gy, gx, gw, gb);
    } else {
      conv2d_backward(s, plan.backward_data, x, w, gy, gx, nullptr, nullptr);
      conv2d_backward(s, plan.backward_weights, x, w, gy, nullptr, gw, gb);
    }
  } else {
    im2col_conv2d_backward(s, x, w, gy, gx, gw, gb);
  }
}

template void conv2d_forward<float>(const Conv2dShape&, const float*, const float*, const float*, float*);
template void conv2d_forward<double>(const Conv2dShape&, const double*, const double*, const double*,
                                     double*);
template void conv2d_backward<float>(const Conv2dShape&, const float*, const float*, const float*, float*,
                                     float*, float*);
template void conv2d_backward<double>(const Conv2dShape&, const double*, const double*, const double*,
                                      double*, double*, double*);

}  // namespace keel::kernels
