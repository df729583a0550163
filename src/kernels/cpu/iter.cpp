#include "kernels/cpu/iter.h"

namespace keel::kernels {

ElementIter::ElementIter(const Tensor* const* operands, int n) : nops(n) {
  const Tensor& out = *operands[0];
  const Dims& shape = out.sizes();
  int nd = shape.size();
  numel = shape.numel();
  // Broadcast each operand's strides (in bytes) to the output shape.
  std::int64_t st[kMaxOperands][kMaxDims];
  for (int o = 0; o < n; ++o) {
    const Tensor& t = *operands[o];
    data[o] = static_cast<char*>(t.raw_data());
    std::int64_t es = static_cast<std::int64_t>(t.element_size());
    int shift = nd - t.dim();
    KEEL_CHECK(shift >= 0, "elementwise: operand of shape ", t.sizes(), " cannot be broadcast to ", shape);
    for (int d = 0; d < nd; ++d) {
      int td = d - shift;
      std::int64_t sz = td >= 0 ? t.sizes()[td] : 1;
      KEEL_CHECK(sz == shape[d] || sz == 1, "elementwise: operand of shape ", t.sizes(),
                 " cannot be broadcast to ", shape);
      st[o][d] = (td >= 0 && sz != 1) ? t.strides()[td] * es : 0;
    }
  }
  // Drop size-1 dims and merge dim d into d+1 when every operand is contiguous across them.
  ndim = 0;
  for (int d = 0; d < nd; ++d) {
    if (shape[d] == 1) continue;
    if (ndim > 0) {
      bool merge = true;
      for (int o = 0; o < n && merge; ++o) merge = strides[o][ndim - 1] == st[o][d] * shape[d];
      if (merge) {
        sizes[ndim - 1] *= shape[d];
        for (int o = 0; o < n; ++o) strides[o][ndim - 1] = st[o][d];
        continue;
      }
    }
    sizes[ndim] = shape[d];
    for (int o = 0; o < n; ++o) strides[o][ndim] = st[o][d];
    ++ndim;
  }
}

}  // namespace keel::kernels
