// Tensor's copying and filling methods (clone, to, fill_, copy_) with their autograd records,
// and the two that never record (contiguous, detach).
#include "kernels/cpu/copy.h"

#include "keel/autograd/node.h"
#include "keel/tensor/factories.h"
#include "keel/tensor/tensor.h"

namespace keel {

using autograd::record;
using autograd::Tensors;

// ---- copies ------------------------------------------------------------------------------

Tensor Tensor::contiguous() const {
  if (is_contiguous()) return *this;
  return clone();
}

Tensor Tensor::clone() const {
  Tensor out = empty(sizes(), dtype());
  kernels::copy(out, *this);
  if (autograd::needs_grad(*this)) {
    record("CloneBackward0", out, *this, [](const Tensor& g) -> Tensors { return {g}; });
  }
  return out;
}

Tensor Tensor::detach() const {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = storage();
  impl->offset = storage_offset();
  impl->sizes = sizes();
  impl->strides = strides();
  impl->dtype = dtype();
  impl->is_view = true;
  return Tensor(std::move(impl));
}

Tensor Tensor::to(DType target) const {
  if (target == dtype()) return *this;
  Tensor out = empty(sizes(), target);
  kernels::copy(out, *this);
  if (autograd::needs_grad(*this) && keel::is_floating_point(target) && is_floating_point()) {
    record("ToCopyBackward0", out, *this,
           [from = dtype()](const Tensor& g) -> Tensors { return {g.to(from)}; });
  }
  return out;
}

// ---- in-place ------------------------------------------------------------------------------

namespace {
// fill_ and zero_ overwrite every element: no gradient flows to the old values. PyTorch 1.13
// names the node FillBackward2 for fill_ with a number and ZeroBackward0 for zero_.
Tensor& fill_with(Tensor& self, double value, const char* op, const char* node) {
  autograd::check_inplace(self, op);
  kernels::fill(self, value);
  self.storage()->bump_version();
  if (autograd::GradMode::is_enabled() && self.requires_grad()) {
    autograd::record_inplace(node, self, {}, [](const Tensor&) -> Tensors { return {Tensor()}; });
  }
  return self;
}
}  // namespace

Tensor& Tensor::fill_(double value) { return fill_with(*this, value, "fill_", "FillBackward2"); }
Tensor& Tensor::zero_() { return fill_with(*this, 0.0, "zero_", "ZeroBackward0"); }

Tensor& Tensor::copy_(const Tensor& src) {
  autograd::check_inplace(*this, "copy_");
  broadcast_shapes(sizes(), src.sizes(), "copy_");
  KEEL_CHECK(src.dim() <= dim() && broadcast_shapes(sizes(), src.sizes(), "copy_") == sizes(),
             "copy_: source of shape ", src.sizes(), " cannot be broadcast to destination shape ", sizes());
  if (shares_storage(src) && !(is_same(src))) {
    // Overlapping source: copy through a temporary so the result does not depend on order.
    kernels::copy(*this, src.detach().clone());
  } else if (!is_same(src)) {
    kernels::copy(*this, src);
  }
  storage()->bump_version();
  bool record_it = autograd::GradMode::is_enabled() && (requires_grad() || src.requires_grad());
  if (record_it) {
    autograd::record_inplace("CopyBackwards", *this, {&src},
                             [src_shape = src.sizes(), src_dtype = src.dtype()](const Tensor& g) -> Tensors {
                               return {Tensor(), autograd::sum_to(g, src_shape).to(src_dtype)};
                             });
  }
  return *this;
}

}  // namespace keel
