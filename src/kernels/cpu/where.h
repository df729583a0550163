#pragma once
#include "keel/core/view.h"

namespace keel::kernels {

// out = cond ? a : b elementwise, with cond (bool), a and b broadcast to out's shape. a, b and
// out share one dtype. out may alias b exactly (masked_fill_ writes in place).
void where(const View& out, const View& cond, const View& a, const View& b);

}  // namespace keel::kernels
