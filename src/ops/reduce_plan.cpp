// Reduction planning: picks the (A, B, C) view that lets the kernels run on x's own memory
// when it is contiguous and the reduced dims are adjacent, and otherwise copies x with the
// reduced dims moved last.
#include "ops/reduce_plan.h"

namespace keel::detail {

ReducePlan plan_reduce(const Tensor& x, const Dims& dims, const char* op) {
  ReducePlan p;
  const int nd = x.dim();
  if (dims.empty()) {
    p.mask = nd == 0 ? 0u : ((1u << nd) - 1u);
  } else {
    for (std::int64_t d : dims) {
      int w = wrap_dim(d, nd, op);
      if (nd == 0) continue;  // dim 0 / -1 of a 0-d tensor reduces nothing
      KEEL_CHECK(!(p.mask & (1u << w)), op, ": dim ", w, " appears multiple times in the list of dims");
      p.mask |= 1u << w;
    }
  }
  const Dims& s = x.sizes();
  int first = -1, last = -1;  // the outermost and innermost reduced dims of size != 1
  for (int d = 0; d < nd; ++d) {
    const bool r = p.mask & (1u << d);
    p.keep_shape.push_back(r ? 1 : s[d]);
    if (r) {
      p.dims.push_back(d);
      p.B *= s[d];
      if (s[d] != 1) {
        if (first < 0) first = d;
        last = d;
      }
    } else {
      p.out_shape.push_back(s[d]);
    }
  }
  bool adjacent = true;
  for (int d = first + 1; first >= 0 && d < last; ++d) {
    if (!(p.mask & (1u << d)) && s[d] != 1) adjacent = false;
  }
  if (x.is_contiguous() && adjacent) {
    p.src = x.detach();
    if (first < 0) {
      p.A = x.numel();  // every reduced dim has size 1
    } else {
      for (int d = 0; d < first; ++d) p.A *= s[d];
      for (int d = last + 1; d < nd; ++d) p.C *= s[d];
      for (int d = first; d <= last; ++d) {
        if (!(p.mask & (1u << d))) p.A *= s[d];  // sizes 1: they do not change the product
      }
    }
    return p;
  }
  Dims order;
  for (int d = 0; d < nd; ++d) {
    if (!(p.mask & (1u << d))) {
      order.push_back(d);
      p.A *= s[d];
    }
  }
  for (int d : p.dims) order.push_back(d);
  p.src = x.detach().permute(order).contiguous();
  return p;
}

ReducePlan plan_reduce_dim(const Tensor& x, int dim) {
  ReducePlan p;
  const Dims& s = x.sizes();
  for (int d = 0; d < x.dim(); ++d) {
    if (d == dim) {
      p.B = s[d];
      p.keep_shape.push_back(1);
      p.dims.push_back(d);
      p.mask = 1u << d;
      continue;
    }
    (d < dim ? p.A : p.C) *= s[d];
    p.keep_shape.push_back(s[d]);
    p.out_shape.push_back(s[d]);
  }
  p.src = x.detach().contiguous();
  return p;
}

}  // namespace keel::detail
