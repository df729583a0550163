#include "support/tensor_near.h"

#include "support/gradcheck.h"

namespace keel::testing {

::testing::AssertionResult near(const Tensor& a, const Tensor& b, double atol, double rtol) {
  if (a.sizes() != b.sizes())
    return ::testing::AssertionFailure() << "shape " << a.sizes() << " vs " << b.sizes();
  const double d = max_abs_diff(a, b);
  const double tol = atol + rtol * (b.numel() ? b.detach().abs().max().item() : 0.0);
  if (d <= tol) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "max |a - b| = " << d << " > " << tol;
}

Tensor leaf(const Tensor& t) { return t.detach().clone().requires_grad_(); }

}  // namespace keel::testing
