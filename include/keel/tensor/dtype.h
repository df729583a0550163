#pragma once
// DType itself lives in keel/core/dtype.h (the kernels use it too); tensor-level rules on
// dtypes are declared here.
#include "keel/core/dtype.h"

namespace keel {

// The type PyTorch's promotion rules give to a binary op of a and b.
DType promote_types(DType a, DType b);

}  // namespace keel
