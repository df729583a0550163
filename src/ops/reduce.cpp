// Reductions. (Placeholder sum: the reductions family replaces this file.)
#include "keel/ops/reduce.h"

#include "keel/autograd/node.h"
#include "keel/tensor/dispatch.h"
#include "keel/tensor/factories.h"

namespace keel {

Tensor sum(const Tensor& x, const Dims& dims, bool keepdim) {
  Dims reduce_mask = Dims::filled(x.dim(), 0);
  for (std::int64_t d : dims) reduce_mask[wrap_dim(d, x.dim(), "sum")] = 1;
  if (dims.empty()) reduce_mask = Dims::filled(x.dim(), 1);
  Dims order, out_shape, keep_shape;
  std::int64_t inner = 1;
  for (int d = 0; d < x.dim(); ++d) {
    if (!reduce_mask[d]) {
      order.push_back(d);
      out_shape.push_back(x.sizes()[d]);
    }
    keep_shape.push_back(reduce_mask[d] ? 1 : x.sizes()[d]);
  }
  for (int d = 0; d < x.dim(); ++d)
    if (reduce_mask[d]) {
      order.push_back(d);
      inner *= x.sizes()[d];
    }
  Tensor src = x.detach().permute(order).contiguous();
  DType dt = x.is_floating_point() ? x.dtype() : kInt64;
  Tensor out = empty(keepdim ? keep_shape : out_shape, dt);
  std::int64_t outer = out.numel();
  KEEL_DISPATCH_NUMERIC(dt, "sum", [&] {
    Tensor s = src.to(dt);
    const scalar_t* p = s.data_ptr<scalar_t>();
    scalar_t* o = out.data_ptr<scalar_t>();
    for (std::int64_t i = 0; i < outer; ++i) {
      scalar_t acc = 0;
      for (std::int64_t j = 0; j < inner; ++j) acc += p[i * inner + j];
      o[i] = acc;
    }
  });
  if (autograd::needs_grad(x)) {
    autograd::record("SumBackward1", out, x, [in = x.sizes(), keep_shape](const Tensor& g) -> autograd::Tensors {
      return {g.reshape(keep_shape).expand(in).contiguous()};
    });
  }
  return out;
}

Tensor sum(const Tensor& x) { return sum(x, Dims{}, false); }
Tensor Tensor::sum() const { return keel::sum(*this); }
Tensor Tensor::sum(const Dims& dims, bool keepdim) const { return keel::sum(*this, dims, keepdim); }

}  // namespace keel
