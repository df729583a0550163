// linear: one GEMM forward and two GEMMs backward for float 2-D inputs; other inputs compose
// matmul and add.
#include "keel/ops/linear.h"

#include "keel/autograd/node.h"
#include "keel/ops/elementwise.h"
#include "keel/ops/linalg.h"
#include "keel/tensor/dispatch.h"
#include "keel/tensor/factories.h"
#include "kernels/cpu/copy.h"
#include "kernels/cpu/gemm.h"

namespace keel::ops {

namespace {

// y = x W^T (+ b) for 2-D x as one op: the GEMMs read W in its (out, in) layout, and the
// backward writes dW in that layout too, so no transposed copy is made on either pass.
template <class T>
Tensor linear_2d(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  const std::int64_t n = x.size(0), in = x.size(1), out_f = weight.size(0);
  Tensor xc = x.detach().contiguous(), wc = weight.detach().contiguous();
  Tensor y = empty({n, out_f}, x.dtype());
  if (bias.defined()) kernels::copy(y, bias.detach());
  kernels::gemm(false, true, n, out_f, in, T(1), xc.data_ptr<T>(), in, wc.data_ptr<T>(), in,
                bias.defined() ? T(1) : T(0), y.data_ptr<T>(), out_f);
  if (autograd::needs_grad({x, weight, bias})) {
    const bool gx = x.requires_grad(), gw = weight.requires_grad(),
               gb = bias.defined() && bias.requires_grad();
    autograd::record("AddmmBackward0", y, {&x, &weight, &bias},
                     [sx = gw ? autograd::SavedTensor(xc) : autograd::SavedTensor(),
                      sw = gx ? autograd::SavedTensor(wc) : autograd::SavedTensor(), gb, n, in,
                      out_f](const Tensor& g_in) -> autograd::Tensors {
                       Tensor g = g_in.contiguous();
                       Tensor dx, dw, db;
                       if (sw.defined()) {  // dx = g W
                         dx = empty({n, in}, g.dtype());
                         kernels::gemm(false, false, n, in, out_f, T(1), g.data_ptr<T>(), out_f,
                                       sw.unpack().data_ptr<T>(), in, T(0), dx.data_ptr<T>(), in);
                       }
                       if (sx.defined()) {  // dW = g^T x
                         dw = empty({out_f, in}, g.dtype());
                         kernels::gemm(true, false, out_f, in, n, T(1), g.data_ptr<T>(), out_f,
                                       sx.unpack().data_ptr<T>(), in, T(0), dw.data_ptr<T>(), in);
                       }
                       if (gb) db = g.sum({0});
                       return {dx, dw, db};
                     });
  }
  return y;
}

}  // namespace

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  KEEL_CHECK(weight.dim() == 2, "linear: weight must be 2-D (out_features, in_features), got shape ",
             weight.sizes());
  KEEL_CHECK(x.dim() >= 1 && x.sizes().back() == weight.sizes()[1], "linear: input of shape ", x.sizes(),
             " does not match weight of shape ", weight.sizes(), " (expected last dim ", weight.sizes()[1],
             ")");
  KEEL_CHECK(!bias.defined() || (bias.dim() == 1 && bias.size(0) == weight.size(0)), "linear: bias of shape ",
             bias.defined() ? bias.sizes() : Dims{}, " does not match weight of shape ", weight.sizes());
  const bool same_dtype = x.dtype() == weight.dtype() && (!bias.defined() || bias.dtype() == x.dtype());
  if (!x.is_floating_point() || !same_dtype) {
    Tensor y = matmul(x, weight.t());
    return bias.defined() ? y + bias : y;
  }
  if (x.dim() != 2) {
    Dims out_shape = x.sizes();
    out_shape[out_shape.size() - 1] = weight.size(0);
    return linear(x.reshape({-1, weight.size(1)}), weight, bias).reshape(out_shape);
  }
  return KEEL_DISPATCH_FLOATING(x.dtype(), "linear", [&] { return linear_2d<scalar_t>(x, weight, bias); });
}

}  // namespace keel::ops
