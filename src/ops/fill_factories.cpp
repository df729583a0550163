// The factories that fill their tensor (full, zeros, ones, ... and their _like forms): they run
// a kernel, so they live with the ops; the declarations stay in keel/tensor/factories.h.
#include "keel/tensor/factories.h"
#include "kernels/cpu/copy.h"

namespace keel {

Tensor full(const Dims& shape, double value, DType dtype) {
  Tensor t = empty(shape, dtype);
  kernels::fill(t, value);
  return t;
}
Tensor zeros(const Dims& shape, DType dtype) { return full(shape, 0.0, dtype); }
Tensor ones(const Dims& shape, DType dtype) { return full(shape, 1.0, dtype); }
Tensor zeros_like(const Tensor& t) { return zeros(t.sizes(), t.dtype()); }
Tensor ones_like(const Tensor& t) { return ones(t.sizes(), t.dtype()); }
Tensor full_like(const Tensor& t, double value) { return full(t.sizes(), value, t.dtype()); }
Tensor scalar_tensor(double value, DType dtype) { return full({}, value, dtype); }

}  // namespace keel
