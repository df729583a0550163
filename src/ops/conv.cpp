// conv2d and the 2-D poolings: argument checks with PyTorch's
// messages, output sizes, kernels, and autograd records.
#include "keel/ops/conv.h"

#include <sstream>

#include "keel/autograd/node.h"
#include "keel/tensor/factories.h"
#include "kernels/cpu/conv.h"
#include "kernels/cpu/pooling.h"

namespace keel::ops {

std::string Pair::str(bool as_given) const {
  std::ostringstream os;
  if (as_given && scalar) {
    os << h;
  } else {
    os << "(" << h << ", " << w << ")";
  }
  return os.str();
}

using autograd::SavedTensor;
using autograd::Tensors;

namespace {

void check_float(const Tensor& t, const char* op, const char* what) {
  KEEL_CHECK(t.dtype() == kFloat32 || t.dtype() == kFloat64, op, ": expected ", what,
             " to be float32 or float64, but got ", dtype_name(t.dtype()));
}

// Runs f on a batched (N, C, H, W) view of x: an unbatched (C, H, W) input gets a batch of one
// that is removed from the result, as PyTorch does.
template <class F>
Tensor batched(const Tensor& x, const char* op, F f) {
  KEEL_CHECK(x.dim() == 3 || x.dim() == 4, "Expected 3D (unbatched) or 4D (batched) input to ", op,
             ", but got input of size: ", x.sizes());
  if (x.dim() == 3) return f(x.unsqueeze(0)).squeeze(0);
  return f(x);
}

template <class T>
const T* ptr(const Tensor& t) {
  return t.defined() ? t.data_ptr<T>() : nullptr;
}
template <class T>
T* mptr(const Tensor& t) {
  return t.defined() ? t.data_ptr<T>() : nullptr;
}

Tensor conv2d_batched(const Tensor& input, const Tensor& weight, const Tensor& bias, Pair stride,
                      Pair padding, Pair dilation, std::int64_t groups) {
  KEEL_CHECK(weight.dim() == 4,
             "conv2d: expected weight to be 4-D (out_channels, in_channels / groups, kH, kW), ",
             "but got weight of size ", weight.sizes());
  KEEL_CHECK(groups > 0, "conv2d: non-positive groups is not supported, got groups=", groups);
  KEEL_CHECK(stride.h > 0 && stride.w > 0, "conv2d: non-positive stride is not supported, got ",
             stride.str());
  KEEL_CHECK(padding.h >= 0 && padding.w >= 0, "conv2d: negative padding is not supported, got ",
             padding.str());
  KEEL_CHECK(dilation.h > 0 && dilation.w > 0, "conv2d: dilation should be greater than zero, got ",
             dilation.str());
  check_float(input, "conv2d", "input");
  KEEL_CHECK(weight.dtype() == input.dtype(),
             "conv2d: expected input and weight to have the same dtype, but got ", dtype_name(input.dtype()),
             " and ", dtype_name(weight.dtype()));
  const Dims& xs = input.sizes();
  const Dims& ws = weight.sizes();
  KEEL_CHECK(ws[0] % groups == 0, "conv2d: expected weight of size ", ws,
             " to have out_channels divisible by groups=", groups);
  KEEL_CHECK(xs[1] == ws[1] * groups, "Given groups=", groups, ", weight of size ", ws, ", expected input",
             xs, " to have ", ws[1] * groups, " channels, but got ", xs[1], " channels instead");
  if (bias.defined()) {
    KEEL_CHECK(bias.dim() == 1 && bias.sizes()[0] == ws[0], "Given weight of size ", ws,
               ", expected bias to be 1-dimensional with ", ws[0], " elements, but got bias of size ",
               bias.sizes(), " instead");
    KEEL_CHECK(bias.dtype() == input.dtype(), "conv2d: expected bias to have dtype ",
               dtype_name(input.dtype()), ", but got ", dtype_name(bias.dtype()));
  }
  const std::int64_t eff_h = dilation.h * (ws[2] - 1) + 1, eff_w = dilation.w * (ws[3] - 1) + 1;
  const std::int64_t in_h = xs[2] + 2 * padding.h, in_w = xs[3] + 2 * padding.w;
  KEEL_CHECK(in_h >= eff_h && in_w >= eff_w, "Calculated padded input size per channel: (", in_h, " x ", in_w,
             "). Kernel size: (", eff_h, " x ", eff_w,
             "). Kernel size can't be greater than actual input size");

  kernels::Conv2dShape s{xs[0],
                         xs[1],
                         xs[2],
                         xs[3],
                         ws[0],
                         ws[2],
                         ws[3],
                         (in_h - eff_h) / stride.h + 1,
                         (in_w - eff_w) / stride.w + 1,
                         stride.h,
                         stride.w,
                         padding.h,
                         padding.w,
                         dilation.h,
                         dilation.w,
                         groups};
  Tensor x = input.contiguous(), w = weight.contiguous(), b = bias.defined() ? bias.contiguous() : Tensor();
  Tensor out = empty({s.n, s.o, s.oh, s.ow}, input.dtype());
  if (s.n > 0) {
    if (input.dtype() == kFloat32) {
      kernels::conv2d_forward(s, ptr<float>(x), ptr<float>(w), ptr<float>(b), mptr<float>(out));
    } else {
      kernels::conv2d_forward(s, ptr<double>(x), ptr<double>(w), ptr<double>(b), mptr<double>(out));
    }
  }
  std::vector<const Tensor*> inputs = {&input, &weight};
  if (bias.defined()) inputs.push_back(&bias);
  if (autograd::needs_grad(input, weight) || (bias.defined() && autograd::needs_grad(bias))) {
    const bool gx = input.requires_grad(), gw = weight.requires_grad(),
               gb = bias.defined() && bias.requires_grad();
    const bool has_bias = bias.defined();
    autograd::record("ConvolutionBackward0", out, inputs,
                     [s, sx = gw ? SavedTensor(x) : SavedTensor(), sw = gx ? SavedTensor(w) : SavedTensor(),
                      gx, gw, gb, has_bias](const Tensor& grad) -> Tensors {
                       Tensor g = grad.contiguous();
                       Tensor dx = gx ? empty({s.n, s.c, s.h, s.w}, g.dtype()) : Tensor();
                       Tensor dw = gw ? empty({s.o, s.c / s.groups, s.kh, s.kw}, g.dtype()) : Tensor();
                       Tensor db = gb ? empty({s.o}, g.dtype()) : Tensor();
                       Tensor xv = sx.defined() ? sx.unpack() : Tensor();
                       Tensor wv = sw.defined() ? sw.unpack() : Tensor();
                       if (s.n == 0) {
                         if (dw.defined()) dw.zero_();
                         if (db.defined()) db.zero_();
                       } else if (g.dtype() == kFloat32) {
                         kernels::conv2d_backward(s, ptr<float>(xv), ptr<float>(wv), ptr<float>(g),
                                                  mptr<float>(dx), mptr<float>(dw), mptr<float>(db));
                       } else {
                         kernels::conv2d_backward(s, ptr<double>(xv), ptr<double>(wv), ptr<double>(g),
                                                  mptr<double>(dx), mptr<double>(dw), mptr<double>(db));
                       }
                       Tensors r = {dx, dw};
                       if (has_bias) r.push_back(db);
                       return r;
                     });
  }
  return out;
}

// PyTorch's pooling output size (pooling_output_shape): floor or ceil division, and with
// ceil_mode the last window must start inside the input or its left padding.
std::int64_t pool_out(std::int64_t in, std::int64_t k, std::int64_t pad, std::int64_t stride,
                      std::int64_t dil, bool ceil_mode) {
  std::int64_t num = in + 2 * pad - dil * (k - 1) - 1 + (ceil_mode ? stride - 1 : 0);
  std::int64_t q = num >= 0 ? num / stride : -((-num + stride - 1) / stride);
  std::int64_t out = q + 1;
  if (ceil_mode && (out - 1) * stride >= in + pad) --out;
  return out;
}

kernels::Pool2dShape pool_shape(const char* op, const Tensor& x, Pair k, Pair stride, Pair pad, Pair dil,
                                bool ceil_mode) {
  KEEL_CHECK(k.h > 0 && k.w > 0, op, ": kernel size should be greater than zero, but got kH: ", k.h,
             " kW: ", k.w);
  KEEL_CHECK(stride.h > 0 && stride.w > 0, op, ": stride should be greater than zero, but got dH: ", stride.h,
             " dW: ", stride.w);
  KEEL_CHECK(dil.h > 0 && dil.w > 0, op, ": dilation should be greater than zero, but got dilationH: ", dil.h,
             " dilationW: ", dil.w);
  KEEL_CHECK(pad.h >= 0 && pad.w >= 0 && k.w / 2 >= pad.w && k.h / 2 >= pad.h, op,
             ": pad should be smaller than or equal to half of kernel size, but got padW = ", pad.w,
             ", padH = ", pad.h, ", kW = ", k.w, ", kH = ", k.h);
  const Dims& xs = x.sizes();
  KEEL_CHECK(
      xs[1] > 0 && xs[2] > 0 && xs[3] > 0, op,
      ": Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but got: ", xs);
  kernels::Pool2dShape s{xs[0] * xs[1],
                         xs[2],
                         xs[3],
                         pool_out(xs[2], k.h, pad.h, stride.h, dil.h, ceil_mode),
                         pool_out(xs[3], k.w, pad.w, stride.w, dil.w, ceil_mode),
                         k.h,
                         k.w,
                         stride.h,
                         stride.w,
                         pad.h,
                         pad.w,
                         dil.h,
                         dil.w};
  KEEL_CHECK(s.oh >= 1 && s.ow >= 1, op, ": Given input size: (", xs[1], "x", xs[2], "x", xs[3],
             "). Calculated output size: (", xs[1], "x", s.oh, "x", s.ow, "). Output size is too small");
  return s;
}

std::tuple<Tensor, Tensor> max_pool_batched(const Tensor& input, Pair k, Pair stride, Pair pad, Pair dil,
                                            bool ceil_mode) {
  check_float(input, "max_pool2d", "input");
  kernels::Pool2dShape s = pool_shape("max_pool2d", input, k, stride, pad, dil, ceil_mode);
  Tensor x = input.contiguous();
  const Dims& xs = x.sizes();
  Tensor out = empty({xs[0], xs[1], s.oh, s.ow}, x.dtype());
  Tensor idx = empty({xs[0], xs[1], s.oh, s.ow}, kInt64);
  if (x.dtype() == kFloat32) {
    kernels::max_pool2d_forward(s, ptr<float>(x), mptr<float>(out), mptr<std::int64_t>(idx));
  } else {
    kernels::max_pool2d_forward(s, ptr<double>(x), mptr<double>(out), mptr<std::int64_t>(idx));
  }
  if (autograd::needs_grad(input)) {
    autograd::record("MaxPool2DWithIndicesBackward0", out, input,
                     [s, in = xs, si = SavedTensor(idx)](const Tensor& grad) -> Tensors {
                       Tensor g = grad.contiguous();
                       Tensor dx = empty(in, g.dtype());
                       const std::int64_t* ip = si.unpack().data_ptr<std::int64_t>();
                       if (g.dtype() == kFloat32) {
                         kernels::max_pool2d_backward(s, ptr<float>(g), ip, mptr<float>(dx));
                       } else {
                         kernels::max_pool2d_backward(s, ptr<double>(g), ip, mptr<double>(dx));
                       }
                       return {dx};
                     });
  }
  return {out, idx};
}

}  // namespace

Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, Pair stride, Pair padding,
              Pair dilation, std::int64_t groups) {
  return batched(x, "conv2d", [&](const Tensor& xb) {
    return conv2d_batched(xb, weight, bias, stride, padding, dilation, groups);
  });
}

std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& x, Pair kernel_size, Pair stride,
                                                   Pair padding, Pair dilation, bool ceil_mode) {
  KEEL_CHECK(x.dim() == 3 || x.dim() == 4,
             "max_pool2d: Expected 3D or 4D (batch mode) tensor with optional 0 dim ",
             "batch size for input, but got: ", x.sizes());
  Pair st = stride.or_(kernel_size);
  if (x.dim() == 3) {
    auto [out, idx] = max_pool_batched(x.unsqueeze(0), kernel_size, st, padding, dilation, ceil_mode);
    return {out.squeeze(0), idx.squeeze(0)};
  }
  return max_pool_batched(x, kernel_size, st, padding, dilation, ceil_mode);
}

Tensor max_pool2d(const Tensor& x, Pair kernel_size, Pair stride, Pair padding, Pair dilation,
                  bool ceil_mode) {
  return std::get<0>(max_pool2d_with_indices(x, kernel_size, stride, padding, dilation, ceil_mode));
}

Tensor avg_pool2d(const Tensor& x, Pair kernel_size, Pair stride, Pair padding, bool ceil_mode,
                  bool count_include_pad) {
  Pair st = stride.or_(kernel_size);
  return batched(x, "avg_pool2d", [&](const Tensor& input) {
    check_float(input, "avg_pool2d", "input");
    kernels::Pool2dShape s = pool_shape("avg_pool2d", input, kernel_size, st, padding, 1, ceil_mode);
    Tensor xc = input.contiguous();
    const Dims& xs = xc.sizes();
    Tensor out = empty({xs[0], xs[1], s.oh, s.ow}, xc.dtype());
    if (xc.dtype() == kFloat32) {
      kernels::avg_pool2d_forward(s, count_include_pad, ptr<float>(xc), mptr<float>(out));
    } else {
      kernels::avg_pool2d_forward(s, count_include_pad, ptr<double>(xc), mptr<double>(out));
    }
    if (autograd::needs_grad(input)) {
      autograd::record(
          "AvgPool2DBackward0", out, input, [s, in = xs, count_include_pad](const Tensor& grad) -> Tensors {
            Tensor g = grad.contiguous();
            Tensor dx = empty(in, g.dtype());
            if (g.dtype() == kFloat32) {
              kernels::avg_pool2d_backward(s, count_include_pad, ptr<float>(g), mptr<float>(dx));
            } else {
              kernels::avg_pool2d_backward(s, count_include_pad, ptr<double>(g), mptr<double>(dx));
            }
            return {dx};
          });
    }
    return out;
  });
}

Tensor adaptive_avg_pool2d(const Tensor& x, Pair output_size) {
  return batched(x, "adaptive_avg_pool2d", [&](const Tensor& input) {
    check_float(input, "adaptive_avg_pool2d", "input");
    const Dims& in_sizes = input.sizes();
    KEEL_CHECK(
        in_sizes[1] > 0 && in_sizes[2] > 0 && in_sizes[3] > 0,
        "adaptive_avg_pool2d(): Expected input to have non-zero size for non-batch dimensions, but input has "
        "sizes ",
        in_sizes);
    KEEL_CHECK(output_size.h >= 0 && output_size.w >= 0,
               "adaptive_avg_pool2d: output_size must be non-negative, got ", output_size.str());
    Tensor xc = input.contiguous();
    const Dims& xs = xc.sizes();
    kernels::Pool2dShape s{xs[0] * xs[1], xs[2], xs[3], output_size.h, output_size.w, 0, 0, 0, 0, 0, 0, 0, 0};
    Tensor out = empty({xs[0], xs[1], s.oh, s.ow}, xc.dtype());
    if (xc.dtype() == kFloat32) {
      kernels::adaptive_avg_pool2d_forward(s, ptr<float>(xc), mptr<float>(out));
    } else {
      kernels::adaptive_avg_pool2d_forward(s, ptr<double>(xc), mptr<double>(out));
    }
    if (autograd::needs_grad(input)) {
      autograd::record("AdaptiveAvgPool2DBackward0", out, input, [s, in = xs](const Tensor& grad) -> Tensors {
        Tensor g = grad.contiguous();
        Tensor dx = empty(in, g.dtype());
        if (g.dtype() == kFloat32) {
          kernels::adaptive_avg_pool2d_backward(s, ptr<float>(g), mptr<float>(dx));
        } else {
          kernels::adaptive_avg_pool2d_backward(s, ptr<double>(g), mptr<double>(dx));
        }
        return {dx};
      });
    }
    return out;
  });
}

}  // namespace keel::ops
