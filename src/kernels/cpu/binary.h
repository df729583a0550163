#pragma once
#include "keel/core/view.h"

namespace keel::kernels {

enum class BinaryOp : int {
  Add,  // a + alpha * b
  Sub,  // a - alpha * b
  Mul,
  Div,
  Pow,
  Maximum,
  Minimum,
  Eq,  // comparisons write bool
  Ne,
  Lt,
  Le,
  Gt,
  Ge,
};

// out = op(a, b), with a and b broadcast to out's shape. a, b and out share one dtype,
// except comparisons, whose out is bool. `alpha` scales b for Add and Sub.
void binary(BinaryOp op, const View& out, const View& a, const View& b, double alpha = 1.0);

}  // namespace keel::kernels
