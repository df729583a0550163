#include "keel/tensor/dtype.h"

namespace keel {

DType promote_types(DType a, DType b) {
  if (a == b) return a;
  if (a == DType::Float64 || b == DType::Float64) return DType::Float64;
  if (a == DType::Float32 || b == DType::Float32) return DType::Float32;
  return DType::Int64;  // int64 with bool
}

}  // namespace keel
