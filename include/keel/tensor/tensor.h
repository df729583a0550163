#pragma once
// keel::Tensor: a cheap, copyable handle to a TensorImpl (sizes, strides, dtype, an offset
// into a shared Storage, and autograd metadata). Copies share data, as in PyTorch; views
// (view, transpose, narrow, select, expand, ...) share the storage of their base.
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <tuple>
#include <vector>

#include "keel/core/device.h"
#include "keel/core/error.h"
#include "keel/core/view.h"
#include "keel/tensor/dims.h"
#include "keel/tensor/dtype.h"
#include "keel/tensor/storage.h"

namespace keel {

class Tensor;
namespace autograd {
class Node;
struct AutogradMeta;
}  // namespace autograd

struct TensorImpl {
  TensorImpl();
  ~TensorImpl();
  std::shared_ptr<Storage> storage;
  std::int64_t offset = 0;  // in elements
  Dims sizes;
  Dims strides;
  DType dtype = kFloat32;
  bool is_view = false;                              // shares its storage with the tensor it was made from
  std::unique_ptr<autograd::AutogradMeta> autograd;  // null until autograd needs it
};

class Tensor {
 public:
  Tensor() = default;  // undefined tensor
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  // ---- metadata -------------------------------------------------------------------------
  bool defined() const { return impl_ != nullptr; }
  int dim() const { return impl().sizes.size(); }
  const Dims& sizes() const { return impl().sizes; }
  const Dims& shape() const { return impl().sizes; }
  const Dims& strides() const { return impl().strides; }
  std::int64_t size(std::int64_t dim) const;
  std::int64_t stride(std::int64_t dim) const;
  std::int64_t numel() const { return impl().sizes.numel(); }
  DType dtype() const { return impl().dtype; }
  std::size_t element_size() const { return keel::element_size(dtype()); }
  std::int64_t storage_offset() const { return impl().offset; }
  bool is_contiguous() const;
  bool is_floating_point() const { return keel::is_floating_point(dtype()); }
  bool is_same(const Tensor& other) const { return impl_ == other.impl_; }
  bool shares_storage(const Tensor& other) const;
  const std::shared_ptr<Storage>& storage() const { return impl().storage; }
  TensorImpl* unsafe_impl() const { return impl_.get(); }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }

  // Pointer to the first element; throws if T does not match dtype().
  template <class T>
  T* data_ptr() const {
    check_dtype(dtype_of<T>(), "data_ptr");
    return static_cast<T*>(raw_data());
  }
  void* raw_data() const;
  // What a kernel sees: data pointer, dtype, sizes and strides (an empty View when undefined).
  View raw() const;
  operator View() const { return raw(); }  // NOLINT: implicit, so kernel calls take Tensors
  // The value of a one-element tensor, converted to T.
  template <class T>
  T item() const {
    return static_cast<T>(item());
  }
  double item() const;

  // ---- views (share storage) ------------------------------------------------------------
  Tensor view(const Dims& shape) const;
  Tensor reshape(const Dims& shape) const;  // a view when possible, else a copy
  Tensor flatten(std::int64_t start_dim = 0, std::int64_t end_dim = -1) const;
  Tensor transpose(std::int64_t dim0, std::int64_t dim1) const;
  Tensor t() const;  // transpose of a tensor with at most 2 dims
  Tensor permute(const Dims& dims) const;
  Tensor narrow(std::int64_t dim, std::int64_t start, std::int64_t length) const;
  Tensor slice(std::int64_t dim, std::int64_t start, std::int64_t end, std::int64_t step = 1) const;
  Tensor select(std::int64_t dim, std::int64_t index) const;
  Tensor operator[](std::int64_t index) const { return select(0, index); }
  Tensor squeeze() const;
  Tensor squeeze(std::int64_t dim) const;
  Tensor unsqueeze(std::int64_t dim) const;
  Tensor expand(const Dims& shape) const;  // -1 keeps a size
  Tensor expand_as(const Tensor& other) const { return expand(other.sizes()); }
  Tensor view_as(const Tensor& other) const { return view(other.sizes()); }

  // ---- copies and conversion ------------------------------------------------------------
  Tensor contiguous() const;  // *this if already contiguous
  Tensor clone() const;
  Tensor detach() const;  // shares storage, no autograd history
  Tensor to(DType dtype) const;
  Tensor to_float() const { return to(kFloat32); }
  Tensor to_double() const { return to(kFloat64); }

  // ---- device (keel/core/device.h) ------------------------------------------------------
  // All storage is CPU memory while the CPU is keel's only backend, so device() is the CPU and
  // TensorImpl has no device field; the Storage will carry its device when a second backend
  // lands. to(device) asks the backend registry (kernels/backend.h): a device this build has
  // no backend for throws ("keel was built without CUDA"), and the tensor's own device returns
  // *this, no copy (as PyTorch: the training loop's `x = x.to(device)` costs nothing on the CPU).
  Device device() const;
  bool is_cpu() const { return device().is_cpu(); }
  Tensor to(const Device& device) const;

  // ---- in-place (bump the storage version) ------------------------------------------
  Tensor& fill_(double value);
  Tensor& zero_();
  Tensor& copy_(const Tensor& src);  // broadcasts src to this shape, converts dtype
  Tensor& add_(const Tensor& other, double alpha = 1.0);
  Tensor& add_(double other);
  Tensor& sub_(const Tensor& other, double alpha = 1.0);
  Tensor& sub_(double other);
  Tensor& mul_(const Tensor& other);
  Tensor& mul_(double other);
  Tensor& div_(const Tensor& other);
  Tensor& div_(double other);
  Tensor& clamp_(double min, double max);
  Tensor& masked_fill_(const Tensor& mask, double value);
  Tensor& operator+=(const Tensor& o) { return add_(o); }
  Tensor& operator+=(double o) { return add_(o); }
  Tensor& operator-=(const Tensor& o) { return sub_(o); }
  Tensor& operator-=(double o) { return sub_(o); }
  Tensor& operator*=(const Tensor& o) { return mul_(o); }
  Tensor& operator*=(double o) { return mul_(o); }
  Tensor& operator/=(const Tensor& o) { return div_(o); }
  Tensor& operator/=(double o) { return div_(o); }

  // ---- math (same as the free functions in keel/ops) -------------------------------------
  Tensor add(const Tensor& other, double alpha = 1.0) const;
  Tensor sub(const Tensor& other, double alpha = 1.0) const;
  Tensor mul(const Tensor& other) const;
  Tensor div(const Tensor& other) const;
  Tensor neg() const;
  Tensor pow(double exponent) const;
  Tensor pow(const Tensor& exponent) const;
  Tensor exp() const;
  Tensor log() const;
  Tensor sqrt() const;
  Tensor rsqrt() const;
  Tensor abs() const;
  Tensor sign() const;
  Tensor clamp(double min, double max) const;
  Tensor clamp_min(double min) const;
  Tensor clamp_max(double max) const;
  Tensor relu() const;
  Tensor sigmoid() const;
  Tensor tanh() const;

  Tensor sum() const;
  Tensor sum(const Dims& dims, bool keepdim = false) const;
  Tensor mean() const;
  Tensor mean(const Dims& dims, bool keepdim = false) const;
  Tensor var(bool unbiased = true) const;
  Tensor var(const Dims& dims, bool unbiased = true, bool keepdim = false) const;
  Tensor std(bool unbiased = true) const;
  Tensor std(const Dims& dims, bool unbiased = true, bool keepdim = false) const;
  Tensor max() const;
  Tensor min() const;
  std::tuple<Tensor, Tensor> max(std::int64_t dim, bool keepdim = false) const;
  std::tuple<Tensor, Tensor> min(std::int64_t dim, bool keepdim = false) const;
  Tensor amax(const Dims& dims, bool keepdim = false) const;
  Tensor amin(const Dims& dims, bool keepdim = false) const;
  Tensor argmax() const;
  Tensor argmax(std::int64_t dim, bool keepdim = false) const;
  Tensor argmin() const;
  Tensor argmin(std::int64_t dim, bool keepdim = false) const;
  Tensor norm(double p = 2.0) const;
  Tensor norm(double p, const Dims& dims, bool keepdim = false) const;

  Tensor matmul(const Tensor& other) const;
  Tensor mm(const Tensor& other) const;
  Tensor softmax(std::int64_t dim) const;
  Tensor log_softmax(std::int64_t dim) const;

  Tensor eq(const Tensor& o) const;
  Tensor ne(const Tensor& o) const;
  Tensor lt(const Tensor& o) const;
  Tensor le(const Tensor& o) const;
  Tensor gt(const Tensor& o) const;
  Tensor ge(const Tensor& o) const;
  Tensor eq(double o) const;
  Tensor ne(double o) const;
  Tensor lt(double o) const;
  Tensor le(double o) const;
  Tensor gt(double o) const;
  Tensor ge(double o) const;
  Tensor masked_fill(const Tensor& mask, double value) const;
  Tensor index_select(std::int64_t dim, const Tensor& index) const;
  Tensor gather(std::int64_t dim, const Tensor& index) const;

  // ---- autograd -------------------------------------------------------------------------
  bool requires_grad() const;
  Tensor& requires_grad_(bool requires_grad = true);
  bool is_leaf() const;  // no grad_fn
  // The accumulated gradient of a leaf (undefined until a backward reaches it).
  Tensor grad() const;
  void set_grad(const Tensor& grad) const;
  const std::shared_ptr<autograd::Node>& grad_fn() const;
  // Backpropagates from this tensor: a scalar, or any shape with an upstream gradient.
  void backward(const Tensor& gradient = Tensor(), bool retain_graph = false) const;
  // Called with the leaf after a backward pass has accumulated its gradient (PyTorch's
  // register_post_accumulate_grad_hook); the hook may read or change grad().
  void register_post_accumulate_grad_hook(std::function<void(Tensor&)> hook);
  // Called with the gradient flowing into this tensor; may return a replacement.
  void register_hook(std::function<Tensor(const Tensor&)> hook);

  void check_dtype(DType expected, const char* op) const;

 private:
  TensorImpl& impl() const {
    KEEL_CHECK(impl_ != nullptr, "keel: use of an undefined tensor");
    return *impl_;
  }
  std::shared_ptr<TensorImpl> impl_;
};

// Prints like PyTorch: tensor([[ 1.0000, -0.5000], ...], dtype=..., grad_fn=<...>).
std::ostream& operator<<(std::ostream& os, const Tensor& t);

// ---- operators ----------------------------------------------------------------------------
Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator+(const Tensor& a, double b);
Tensor operator-(const Tensor& a, double b);
Tensor operator*(const Tensor& a, double b);
Tensor operator/(const Tensor& a, double b);
Tensor operator+(double a, const Tensor& b);
Tensor operator-(double a, const Tensor& b);
Tensor operator*(double a, const Tensor& b);
Tensor operator/(double a, const Tensor& b);
Tensor operator-(const Tensor& a);
Tensor operator<(const Tensor& a, const Tensor& b);
Tensor operator<=(const Tensor& a, const Tensor& b);
Tensor operator>(const Tensor& a, const Tensor& b);
Tensor operator>=(const Tensor& a, const Tensor& b);
Tensor operator<(const Tensor& a, double b);
Tensor operator<=(const Tensor& a, double b);
Tensor operator>(const Tensor& a, double b);
Tensor operator>=(const Tensor& a, double b);

}  // namespace keel
