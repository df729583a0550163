// dropout and dropout2d: a Bernoulli mask drawn in one pass, times the input.
#include "keel/ops/dropout.h"

#include "keel/ops/elementwise.h"
#include "keel/tensor/factories.h"
#include "keel/tensor/random.h"

namespace keel::ops {

namespace {
void check_p(double p, const char* op) {
  KEEL_CHECK(p >= 0.0 && p <= 1.0, op, ": dropout probability has to be between 0 and 1, but got ", p);
}

// x * mask / (1 - p), where mask has `mask_shape` (broadcast over x).
Tensor apply_mask(const Tensor& x, double p, const Dims& mask_shape) {
  if (p == 1.0) return x * zeros(mask_shape, x.dtype());
  if (!x.is_floating_point()) {
    Tensor mask = bernoulli(mask_shape, 1.0 - p, x.dtype());
    mask.mul_(1.0 / (1.0 - p));
    return x * mask;
  }
  // The mask holds 1 / (1 - p) (rounded to x's dtype) where it keeps, drawn in one pass.
  const double keep_scale =
      x.dtype() == kFloat32 ? static_cast<double>(static_cast<float>(1.0 / (1.0 - p))) : 1.0 / (1.0 - p);
  return x * bernoulli_scaled(mask_shape, 1.0 - p, keep_scale, x.dtype());
}
}  // namespace

Tensor dropout(const Tensor& x, double p, bool training) {
  check_p(p, "dropout");
  if (!training || p == 0.0) return x;
  return apply_mask(x, p, x.sizes());
}

Tensor dropout2d(const Tensor& x, double p, bool training) {
  check_p(p, "dropout2d");
  KEEL_CHECK(x.dim() == 3 || x.dim() == 4, "dropout2d: expected a 3-D or 4-D input, got shape ", x.sizes());
  if (!training || p == 0.0) return x;
  Dims mask_shape = x.sizes();
  for (int d = x.dim() - 2; d < x.dim(); ++d) mask_shape[d] = 1;  // one draw per (sample, channel)
  if (x.dim() == 3) mask_shape = Dims{x.sizes()[0], 1, 1};        // (C, H, W): per channel
  return apply_mask(x, p, mask_shape);
}

}  // namespace keel::ops
