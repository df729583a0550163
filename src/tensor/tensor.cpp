// Tensor metadata. The view, copy and fill methods, which record autograd history, are ops:
// src/ops/views.cpp and src/ops/copy.cpp.
#include "keel/tensor/tensor.h"

#include <cstring>

#include "keel/tensor/dispatch.h"

namespace keel {

std::int64_t Tensor::size(std::int64_t d) const { return sizes()[wrap_dim(d, dim(), "size")]; }
std::int64_t Tensor::stride(std::int64_t d) const { return strides()[wrap_dim(d, dim(), "stride")]; }

bool Tensor::is_contiguous() const {
  if (numel() == 0) return true;  // as PyTorch: an empty tensor has no layout to violate
  std::int64_t expected = 1;
  for (int d = dim() - 1; d >= 0; --d) {
    if (sizes()[d] == 1) continue;
    if (strides()[d] != expected) return false;
    expected *= sizes()[d];
  }
  return true;
}

bool Tensor::shares_storage(const Tensor& other) const {
  return defined() && other.defined() && storage() == other.storage();
}

void* Tensor::raw_data() const {
  return static_cast<char*>(impl().storage->data()) +
         impl().offset * static_cast<std::int64_t>(element_size());
}

// Called for every kernel operand, so it reads the impl once and copies the fixed-size
// arrays whole (Dims keeps unused entries zeroed).
View Tensor::raw() const {
  const TensorImpl* p = impl_.get();
  if (p == nullptr) return View{};
  View v;
  v.data = static_cast<char*>(p->storage->data()) +
           p->offset * static_cast<std::int64_t>(keel::element_size(p->dtype));
  v.dtype = p->dtype;
  v.ndim = p->sizes.size();
  static_assert(sizeof(v.sizes) == kMaxDims * sizeof(std::int64_t));
  std::memcpy(v.sizes, p->sizes.data(), sizeof(v.sizes));
  std::memcpy(v.strides, p->strides.data(), sizeof(v.strides));
  return v;
}

double Tensor::item() const {
  KEEL_CHECK(numel() == 1, "item: a Tensor with ", numel(), " elements (shape ", sizes(),
             ") cannot be converted to a scalar");
  return KEEL_DISPATCH_ALL(dtype(), "item",
                           [&] { return static_cast<double>(*static_cast<const scalar_t*>(raw_data())); });
}

void Tensor::check_dtype(DType expected, const char* op) const {
  KEEL_CHECK(dtype() == expected, op, ": expected dtype ", dtype_name(expected), " but the tensor has ",
             dtype_name(dtype()));
}

}  // namespace keel
