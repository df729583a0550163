#include "kernels/cpu/iter.h"

#include <sstream>
#include <string>

namespace keel::kernels {

namespace {

// A shape as the tensor layer prints it: [2, 3].
std::string shape_str(const std::int64_t* sizes, int n) {
  std::ostringstream os;
  os << '[';
  for (int i = 0; i < n; ++i) os << (i ? ", " : "") << sizes[i];
  os << ']';
  return os.str();
}

}  // namespace

ElementIter::ElementIter(const View* const* operands, int n) : nops(n) {
  const View& out = *operands[0];
  const std::int64_t* shape = out.sizes;
  int nd = out.ndim;
  numel = out.numel();
  // Broadcast each operand's strides (in bytes) to the output shape.
  std::int64_t st[kMaxOperands][kMaxDims];
  for (int o = 0; o < n; ++o) {
    const View& t = *operands[o];
    data[o] = static_cast<char*>(t.data);
    std::int64_t es = static_cast<std::int64_t>(t.element_size());
    int shift = nd - t.ndim;
    KEEL_CHECK(shift >= 0, "elementwise: operand of shape ", shape_str(t.sizes, t.ndim),
               " cannot be broadcast to ", shape_str(shape, nd));
    for (int d = 0; d < nd; ++d) {
      int td = d - shift;
      std::int64_t sz = td >= 0 ? t.sizes[td] : 1;
      KEEL_CHECK(sz == shape[d] || sz == 1, "elementwise: operand of shape ", shape_str(t.sizes, t.ndim),
                 " cannot be broadcast to ", shape_str(shape, nd));
      st[o][d] = (td >= 0 && sz != 1) ? t.strides[td] * es : 0;
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
