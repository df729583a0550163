#pragma once
// View: what a kernel sees of a tensor. A data pointer (already at the first element), a
// dtype, and up to kMaxDims sizes and element strides; no ownership, no autograd, no
// Storage. Kernels take Views so that they sit below tensor/ and know nothing of Tensor;
// a Tensor converts to one implicitly (Tensor::raw()).
#include <cstdint>

#include "keel/core/dtype.h"
#include "keel/core/error.h"

namespace keel {

inline constexpr int kMaxDims = 8;

struct View {
  void* data = nullptr;  // null for an undefined tensor (an optional operand left out)
  DType dtype = DType::Float32;
  int ndim = 0;
  // Entries [0, ndim) are the view's; the rest are unspecified (View{} zeroes them). Left
  // uninitialized so that making a View, once per kernel operand, writes each entry once.
  std::int64_t sizes[kMaxDims];
  std::int64_t strides[kMaxDims];  // in elements

  bool defined() const { return data != nullptr; }
  int dim() const { return ndim; }
  // Size and stride of a dim; negative dims count from the end.
  std::int64_t size(int d) const { return sizes[d < 0 ? d + ndim : d]; }
  std::int64_t stride(int d) const { return strides[d < 0 ? d + ndim : d]; }
  std::int64_t numel() const {
    std::int64_t n = 1;
    for (int d = 0; d < ndim; ++d) n *= sizes[d];
    return n;
  }
  std::size_t element_size() const { return keel::element_size(dtype); }
  // Row-major contiguous (size-1 dims may have any stride; an empty view counts as contiguous).
  bool is_contiguous() const {
    if (numel() == 0) return true;
    std::int64_t expected = 1;
    for (int d = ndim - 1; d >= 0; --d) {
      if (sizes[d] == 1) continue;
      if (strides[d] != expected) return false;
      expected *= sizes[d];
    }
    return true;
  }
  // The data as T*; throws if T does not match dtype, as Tensor::data_ptr does.
  template <class T>
  T* data_ptr() const {
    KEEL_CHECK(dtype == dtype_of<T>(), "data_ptr: expected dtype ", dtype_name(dtype_of<T>()),
               " but the tensor has ", dtype_name(dtype));
    return static_cast<T*>(data);
  }
};

}  // namespace keel
