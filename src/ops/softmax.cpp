// softmax and log_softmax along a dim, with fused analytic backward passes.
#include "kernels/cpu/softmax.h"

#include "keel/autograd/node.h"
#include "keel/ops/reduce.h"
#include "keel/tensor/factories.h"

namespace keel {

using autograd::SavedTensor;
using autograd::Tensors;

namespace {

// The kernels work on contiguous rows; a softmax over another dim moves that dim last first.
bool is_innermost(const Tensor& x, int d) {
  for (int i = d + 1; i < x.dim(); ++i) {
    if (x.size(i) != 1) return false;
  }
  return true;
}

Tensor to_rows(const Tensor& t, int d, bool inner) {
  return inner ? t.contiguous() : t.transpose(d, -1).contiguous();
}
Tensor from_rows(const Tensor& t, int d, bool inner) { return inner ? t : t.transpose(d, -1).contiguous(); }

Tensor softmax_impl(const Tensor& x, std::int64_t dim, bool log) {
  const char* name = log ? "log_softmax" : "softmax";
  KEEL_CHECK(x.is_floating_point(), name, ": expected a floating-point tensor, got ", dtype_name(x.dtype()));
  const int d = wrap_dim(dim, x.dim(), name);
  const bool inner = x.dim() == 0 || is_innermost(x, d);
  const std::int64_t n = x.dim() == 0 ? 1 : x.size(d);
  const Tensor src = to_rows(x.detach(), d, inner);
  Tensor y = empty(src.sizes(), x.dtype());
  if (n > 0) kernels::softmax_rows(y, src, src.numel() / n, n, log);
  Tensor out = from_rows(y, d, inner);
  if (autograd::needs_grad(x)) {
    autograd::record(log ? "LogSoftmaxBackward0" : "SoftmaxBackward0", out, x,
                     [ys = SavedTensor(out), d, inner, n, log](const Tensor& g) {
                       const Tensor yr = to_rows(ys.unpack(), d, inner);
                       const Tensor gr = to_rows(g, d, inner);
                       Tensor gx = empty(yr.sizes(), yr.dtype());
                       if (n > 0) kernels::softmax_backward_rows(gx, gr, yr, yr.numel() / n, n, log);
                       return Tensors{from_rows(gx, d, inner)};
                     });
  }
  return out;
}

}  // namespace

Tensor softmax(const Tensor& x, std::int64_t dim) { return softmax_impl(x, dim, false); }
Tensor log_softmax(const Tensor& x, std::int64_t dim) { return softmax_impl(x, dim, true); }

Tensor Tensor::softmax(std::int64_t dim) const { return keel::softmax(*this, dim); }
Tensor Tensor::log_softmax(std::int64_t dim) const { return keel::log_softmax(*this, dim); }

}  // namespace keel
