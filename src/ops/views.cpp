// Tensor's view methods (view, reshape, transpose, permute, slice, select, expand, ...): a new
// TensorImpl over the same storage, and the autograd node that maps the view's gradient back to
// the base's shape. They are ops: only ops/ records autograd history.
#include <algorithm>

#include "keel/autograd/node.h"
#include "keel/tensor/factories.h"
#include "keel/tensor/tensor.h"

namespace keel {

using autograd::record;
using autograd::Tensors;

namespace {

Tensor make_view(const Tensor& base, const Dims& sizes, const Dims& strides, std::int64_t offset) {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = base.storage();
  impl->offset = offset;
  impl->sizes = sizes;
  impl->strides = strides;
  impl->dtype = base.dtype();
  impl->is_view = true;
  return Tensor(std::move(impl));
}

// Computes strides for viewing `sizes`/`strides` as `shape` without copying, as PyTorch's
// computeStride does; returns false when the memory layout does not allow it.
bool view_strides(const Dims& sizes, const Dims& strides, const Dims& shape, Dims& out) {
  out = Dims::filled(shape.size(), 1);
  if (sizes.numel() == 0 || sizes.empty()) {
    out = contiguous_strides(shape);
    return true;
  }
  int view_d = shape.size() - 1;
  std::int64_t chunk_base_stride = strides.size() ? strides.back() : 1;
  std::int64_t tensor_numel = 1, view_numel = 1;
  for (int td = sizes.size() - 1; td >= 0; --td) {
    tensor_numel *= sizes[td];
    if (td == 0 || (sizes[td - 1] != 1 && strides[td - 1] != tensor_numel * chunk_base_stride)) {
      while (view_d >= 0 && (view_numel < tensor_numel || shape[view_d] == 1)) {
        out[view_d] = view_numel * chunk_base_stride;
        view_numel *= shape[view_d];
        --view_d;
      }
      if (view_numel != tensor_numel) return false;
      if (td > 0) {
        chunk_base_stride = strides[td - 1];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  return view_d == -1;
}

// Resolves one -1 entry and checks the element count.
Dims infer_shape(const Dims& shape, std::int64_t numel, const char* op, const Dims& from) {
  Dims out = shape;
  int infer = -1;
  std::int64_t known = 1;
  for (int i = 0; i < out.size(); ++i) {
    if (out[i] == -1) {
      KEEL_CHECK(infer < 0, op, ": only one dimension can be inferred, got shape ", shape);
      infer = i;
    } else {
      KEEL_CHECK(out[i] >= 0, op, ": invalid shape dimension ", out[i], " in ", shape);
      known *= out[i];
    }
  }
  if (infer >= 0) {
    KEEL_CHECK(known != 0 && numel % known == 0, op, ": shape ", shape, " is invalid for input of size ",
               numel, " (shape ", from, ")");
    out[infer] = numel / known;
  }
  KEEL_CHECK(out.numel() == numel, op, ": shape ", shape, " is invalid for input of size ", numel, " (shape ",
             from, ")");
  return out;
}

}  // namespace

// ---- views -------------------------------------------------------------------------------

Tensor Tensor::view(const Dims& shape) const {
  Dims target = infer_shape(shape, numel(), "view", sizes());
  Dims st;
  KEEL_CHECK(view_strides(sizes(), strides(), target, st), "view: size ", sizes(), " with strides ",
             strides(), " is not compatible with shape ", target,
             "; the input is not contiguous in that layout. Use .reshape(...) instead.");
  Tensor out = make_view(*this, target, st, storage_offset());
  if (autograd::needs_grad(*this)) {
    record("ViewBackward0", out, *this,
           [in = sizes()](const Tensor& g) -> Tensors { return {g.reshape(in)}; });
  }
  return out;
}

Tensor Tensor::reshape(const Dims& shape) const {
  Dims target = infer_shape(shape, numel(), "reshape", sizes());
  Dims st;
  if (view_strides(sizes(), strides(), target, st)) return view(target);
  return contiguous().view(target);
}

Tensor Tensor::flatten(std::int64_t start_dim, std::int64_t end_dim) const {
  if (dim() == 0) return reshape({1});
  int s = wrap_dim(start_dim, dim(), "flatten"), e = wrap_dim(end_dim, dim(), "flatten");
  KEEL_CHECK(s <= e, "flatten: start_dim (", start_dim, ") cannot come after end_dim (", end_dim, ")");
  Dims shape;
  for (int d = 0; d < s; ++d) shape.push_back(sizes()[d]);
  std::int64_t merged = 1;
  for (int d = s; d <= e; ++d) merged *= sizes()[d];
  shape.push_back(merged);
  for (int d = e + 1; d < dim(); ++d) shape.push_back(sizes()[d]);
  return reshape(shape);
}

Tensor Tensor::transpose(std::int64_t dim0, std::int64_t dim1) const {
  int a = wrap_dim(dim0, dim(), "transpose"), b = wrap_dim(dim1, dim(), "transpose");
  if (dim() == 0) return view({});
  Dims sz = sizes(), st = strides();
  std::swap(sz[a], sz[b]);
  std::swap(st[a], st[b]);
  Tensor out = make_view(*this, sz, st, storage_offset());
  if (autograd::needs_grad(*this)) {
    record("TransposeBackward0", out, *this,
           [a, b](const Tensor& g) -> Tensors { return {g.transpose(a, b)}; });
  }
  return out;
}

Tensor Tensor::t() const {
  KEEL_CHECK(dim() <= 2, "t: expects a tensor with <= 2 dimensions, but got ", dim(), "-D (shape ", sizes(),
             ")");
  return dim() < 2 ? view(sizes()) : transpose(0, 1);
}

Tensor Tensor::permute(const Dims& order) const {
  KEEL_CHECK(order.size() == dim(), "permute: number of dims in ", order, " does not match the input's ",
             dim(), " dims (shape ", sizes(), ")");
  Dims sz, st, inverse = Dims::filled(dim(), -1);
  for (int i = 0; i < dim(); ++i) {
    int d = wrap_dim(order[i], dim(), "permute");
    KEEL_CHECK(inverse[d] < 0, "permute: dim ", d, " repeats in ", order);
    inverse[d] = i;
    sz.push_back(sizes()[d]);
    st.push_back(strides()[d]);
  }
  Tensor out = make_view(*this, sz, st, storage_offset());
  if (autograd::needs_grad(*this)) {
    record("PermuteBackward0", out, *this,
           [inverse](const Tensor& g) -> Tensors { return {g.permute(inverse)}; });
  }
  return out;
}

Tensor Tensor::slice(std::int64_t d, std::int64_t start, std::int64_t end, std::int64_t step) const {
  KEEL_CHECK(dim() > 0, "slice: cannot slice a 0-dim tensor");
  int dd = wrap_dim(d, dim(), "slice");
  KEEL_CHECK(step > 0, "slice: step must be positive, got ", step);
  std::int64_t n = sizes()[dd];
  if (start < 0) start += n;
  if (end < 0) end += n;
  start = std::clamp<std::int64_t>(start, 0, n);
  end = std::clamp<std::int64_t>(end, start, n);
  Dims sz = sizes(), st = strides();
  sz[dd] = (end - start + step - 1) / step;
  st[dd] *= step;
  Tensor out = make_view(*this, sz, st, storage_offset() + start * strides()[dd]);
  if (autograd::needs_grad(*this)) {
    record("SliceBackward0", out, *this,
           [in = sizes(), dtype = dtype(), dd, start, end, step](const Tensor& g) -> Tensors {
             Tensor gi = zeros(in, dtype);
             gi.slice(dd, start, end, step).copy_(g);
             return {gi};
           });
  }
  return out;
}

Tensor Tensor::narrow(std::int64_t d, std::int64_t start, std::int64_t length) const {
  KEEL_CHECK(dim() > 0, "narrow: cannot narrow a 0-dim tensor");
  int dd = wrap_dim(d, dim(), "narrow");
  std::int64_t n = sizes()[dd];
  if (start < 0) start += n;
  KEEL_CHECK(start >= 0 && length >= 0 && start + length <= n, "narrow: start (", start, ") + length (",
             length, ") exceeds dimension size (", n, ") of dim ", dd, " in shape ", sizes());
  return slice(dd, start, start + length);
}

Tensor Tensor::select(std::int64_t d, std::int64_t index) const {
  KEEL_CHECK(dim() > 0, "select: cannot select on a 0-dim tensor");
  int dd = wrap_dim(d, dim(), "select");
  std::int64_t n = sizes()[dd];
  KEEL_CHECK(index >= -n && index < n, "select: index ", index, " is out of bounds for dimension ", dd,
             " with size ", n);
  if (index < 0) index += n;
  Dims sz = sizes(), st = strides();
  std::int64_t off = storage_offset() + index * st[dd];
  sz.erase(dd);
  st.erase(dd);
  Tensor out = make_view(*this, sz, st, off);
  if (autograd::needs_grad(*this)) {
    record("SelectBackward0", out, *this,
           [in = sizes(), dtype = dtype(), dd, index](const Tensor& g) -> Tensors {
             Tensor gi = zeros(in, dtype);
             gi.select(dd, index).copy_(g);
             return {gi};
           });
  }
  return out;
}

Tensor Tensor::squeeze() const {
  Dims shape;
  for (std::int64_t s : sizes())
    if (s != 1) shape.push_back(s);
  return view(shape);
}

Tensor Tensor::squeeze(std::int64_t d) const {
  if (dim() == 0) return view({});
  int dd = wrap_dim(d, dim(), "squeeze");
  if (sizes()[dd] != 1) return view(sizes());
  Dims shape = sizes();
  shape.erase(dd);
  return view(shape);
}

Tensor Tensor::unsqueeze(std::int64_t d) const {
  int dd = wrap_dim(d, dim() + 1, "unsqueeze");
  Dims sz = sizes(), st = strides();
  std::int64_t s = dd < dim() ? st[dd] * sz[dd] : 1;
  sz.insert(dd, 1);
  st.insert(dd, s);
  Tensor out = make_view(*this, sz, st, storage_offset());
  if (autograd::needs_grad(*this)) {
    record("UnsqueezeBackward0", out, *this, [dd](const Tensor& g) -> Tensors { return {g.squeeze(dd)}; });
  }
  return out;
}

Tensor Tensor::expand(const Dims& shape) const {
  KEEL_CHECK(shape.size() >= dim(), "expand: the number of sizes provided (", shape.size(),
             ") must be greater or equal to the number of dimensions in the tensor (", dim(), ")");
  int shift = shape.size() - dim();
  Dims sz = shape, st = Dims::filled(shape.size(), 0);
  for (int i = 0; i < shape.size(); ++i) {
    int d = i - shift;
    if (d < 0) {
      KEEL_CHECK(shape[i] >= 0, "expand: -1 is not allowed in a leading, new dimension (shape ", shape, ")");
      continue;
    }
    std::int64_t have = sizes()[d];
    if (shape[i] == -1) sz[i] = have;
    KEEL_CHECK(sz[i] == have || have == 1, "expand: the expanded size of the tensor (", sz[i],
               ") must match the existing size (", have, ") at non-singleton dimension ", i,
               ". Target sizes: ", shape, ". Tensor sizes: ", sizes());
    st[i] = (have == 1 && sz[i] != 1) ? 0 : strides()[d];
  }
  Tensor out = make_view(*this, sz, st, storage_offset());
  if (autograd::needs_grad(*this)) {
    record("ExpandBackward0", out, *this,
           [in = sizes()](const Tensor& g) -> Tensors { return {autograd::sum_to(g, in)}; });
  }
  return out;
}

}  // namespace keel
