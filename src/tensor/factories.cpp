// Basic factories: allocation, wrapping and copying user data (the filling factories, which run
// a kernel, are in src/ops/fill_factories.cpp).
#include "keel/tensor/factories.h"

#include <cstring>
#include <new>

namespace keel {

Tensor empty(const Dims& shape, DType dtype) {
  for (std::int64_t s : shape) KEEL_CHECK(s >= 0, "empty: negative dimension ", s, " in shape ", shape);
  // numel() refuses shapes whose count overflows; the byte count must fit too (2^62 bytes is
  // far beyond any machine and keeps the allocator's size arithmetic exact).
  constexpr std::int64_t kMaxBytes = std::int64_t{1} << 62;
  const std::int64_t n = shape.numel(), item = static_cast<std::int64_t>(element_size(dtype));
  KEEL_CHECK(n <= kMaxBytes / item, "empty: shape ", shape, " needs ", n, " x ", item,
             " bytes, more than any machine holds");
  const auto bytes = static_cast<std::size_t>(n * item);
  auto impl = std::make_shared<TensorImpl>();
  try {
    impl->storage = std::make_shared<Storage>(bytes);
  } catch (const std::bad_alloc&) {
    detail::fail("empty: out of memory allocating ", bytes, " bytes for shape ", shape);
  }
  impl->sizes = shape;
  impl->strides = contiguous_strides(shape);
  impl->dtype = dtype;
  return Tensor(std::move(impl));
}

Tensor empty_like(const Tensor& t) { return empty(t.sizes(), t.dtype()); }

Tensor from_blob(void* data, const Dims& shape, DType dtype, std::function<void(void*)> deleter) {
  return from_blob(data, shape, contiguous_strides(shape), dtype, std::move(deleter));
}

Tensor from_blob(void* data, const Dims& shape, const Dims& strides, DType dtype,
                 std::function<void(void*)> deleter) {
  KEEL_CHECK(data != nullptr || shape.numel() == 0, "from_blob: data pointer is null");
  KEEL_CHECK(shape.size() == strides.size(), "from_blob: shape ", shape, " and strides ", strides,
             " have different lengths");
  std::int64_t extent = shape.numel() == 0 ? 0 : 1;
  for (int i = 0; i < shape.size(); ++i) {
    KEEL_CHECK(shape[i] >= 0 && strides[i] >= 0, "from_blob: negative size or stride in shape ", shape,
               " strides ", strides);
    if (shape[i] > 0) {
      std::int64_t span = 0;
      KEEL_CHECK(!__builtin_mul_overflow(shape[i] - 1, strides[i], &span) &&
                     !__builtin_add_overflow(extent, span, &extent),
                 "from_blob: shape ", shape, " with strides ", strides,
                 " spans more elements than an int64 counts");
    }
  }
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = std::make_shared<Storage>(data, static_cast<std::size_t>(extent) * element_size(dtype),
                                            std::move(deleter));
  impl->sizes = shape;
  impl->strides = strides;
  impl->dtype = dtype;
  return Tensor(std::move(impl));
}

namespace {
template <class T>
Tensor copy_values(const T* values, std::size_t n, const Dims& shape_arg) {
  Dims shape = shape_arg.empty() ? Dims{static_cast<std::int64_t>(n)} : shape_arg;
  KEEL_CHECK(static_cast<std::size_t>(shape.numel()) == n, "from_vector: ", n, " values do not fill shape ",
             shape, " (", shape.numel(), " elements)");
  Tensor t = empty(shape, dtype_of<T>());
  if (n) std::memcpy(t.raw_data(), values, n * sizeof(T));
  return t;
}
}  // namespace

Tensor from_vector(const std::vector<float>& v, const Dims& shape) {
  return copy_values(v.data(), v.size(), shape);
}
Tensor from_vector(const std::vector<double>& v, const Dims& shape) {
  return copy_values(v.data(), v.size(), shape);
}
Tensor from_vector(const std::vector<std::int64_t>& v, const Dims& shape) {
  return copy_values(v.data(), v.size(), shape);
}

Tensor tensor(std::initializer_list<double> values, DType dtype) {
  return from_vector(std::vector<double>(values)).to(dtype);
}

Tensor tensor(std::initializer_list<std::initializer_list<double>> rows, DType dtype) {
  std::vector<double> v;
  std::int64_t cols = rows.size() ? static_cast<std::int64_t>(rows.begin()->size()) : 0;
  for (const auto& r : rows) {
    KEEL_CHECK(static_cast<std::int64_t>(r.size()) == cols, "tensor: rows have different lengths (", cols,
               " and ", r.size(), ")");
    v.insert(v.end(), r.begin(), r.end());
  }
  return from_vector(v, {static_cast<std::int64_t>(rows.size()), cols}).to(dtype);
}

}  // namespace keel
