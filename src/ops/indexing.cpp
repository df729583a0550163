// cat, stack, index_select and gather with autograd.
#include "keel/ops/indexing.h"

#include <algorithm>

#include "keel/autograd/node.h"
#include "keel/tensor/factories.h"
#include "kernels/cpu/copy.h"
#include "kernels/cpu/indexing.h"

namespace keel {

using autograd::SavedTensor;
using autograd::Tensors;

namespace {

std::vector<const Tensor*> pointers(const std::vector<Tensor>& ts) {
  std::vector<const Tensor*> p;
  p.reserve(ts.size());
  for (const Tensor& t : ts) p.push_back(&t);
  return p;
}

DType common_dtype(const std::vector<Tensor>& ts) {
  DType dt = ts[0].dtype();
  for (const Tensor& t : ts) dt = promote_types(dt, t.dtype());
  return dt;
}

// Gradient slice for an input of dtype `dt` (inputs promoted by cat get theirs back).
Tensor grad_as(const Tensor& g, DType dt) { return g.dtype() == dt ? g : g.to(dt); }

// Throws unless every index is in [0, size).
void check_indices(const Tensor& index, std::int64_t size, int dim, const char* op) {
  const std::int64_t* p = index.data_ptr<std::int64_t>();
  for (std::int64_t i = 0, n = index.numel(); i < n; ++i) {
    KEEL_CHECK(p[i] >= 0 && p[i] < size, op, ": index ", p[i], " is out of bounds for dimension ", dim,
               " with size ", size);
  }
}

}  // namespace

Tensor cat(const std::vector<Tensor>& tensors, std::int64_t dim) {
  KEEL_CHECK(!tensors.empty(), "cat: expected a non-empty list of tensors");
  // 1-D tensors with no elements are skipped, as PyTorch does for legacy reasons.
  auto skipped = [](const Tensor& t) { return t.dim() == 1 && t.size(0) == 0; };
  const DType dt = common_dtype(tensors);
  const Tensor* ref = nullptr;
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    KEEL_CHECK(tensors[i].dim() > 0, "cat: zero-dimensional tensor (at position ", i,
               ") cannot be concatenated");
    if (!ref && !skipped(tensors[i])) ref = &tensors[i];
  }
  if (!ref) return empty({0}, dt);
  const int d = wrap_dim(dim, ref->dim(), "cat");
  Dims shape = ref->sizes();
  shape[d] = 0;
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    if (skipped(t)) continue;
    KEEL_CHECK(t.dim() == ref->dim(), "cat: tensors must have the same number of dimensions: got ",
               ref->dim(), " and ", t.dim(), " (shapes ", ref->sizes(), " and ", t.sizes(), " at position ",
               i, ")");
    for (int k = 0; k < t.dim(); ++k) {
      KEEL_CHECK(k == d || t.size(k) == ref->size(k), "cat: sizes of tensors must match except in dimension ",
                 d, ". Expected size ", ref->size(k), " but got size ", t.size(k), " for tensor number ", i,
                 " in the list (shapes ", ref->sizes(), " and ", t.sizes(), ")");
    }
    shape[d] += t.size(d);
  }
  Tensor out = empty(shape, dt);
  Tensor dst = out.detach();
  std::int64_t off = 0;
  for (const Tensor& t : tensors) {
    if (skipped(t)) continue;
    kernels::copy(dst.narrow(d, off, t.size(d)), t);
    off += t.size(d);
  }
  if (autograd::needs_grad(tensors)) {
    std::vector<std::int64_t> lens;
    std::vector<DType> dtypes;
    for (const Tensor& t : tensors) {
      lens.push_back(skipped(t) ? -1 : t.size(d));
      dtypes.push_back(t.dtype());
    }
    autograd::record("CatBackward0", out, pointers(tensors),
                     [lens = std::move(lens), dtypes = std::move(dtypes), d](const Tensor& g) -> Tensors {
                       Tensors grads(lens.size());
                       std::int64_t pos = 0;
                       for (std::size_t i = 0; i < lens.size(); ++i) {
                         if (!is_floating_point(dtypes[i])) continue;
                         if (lens[i] < 0) {  // a skipped empty input gets an empty gradient
                           grads[i] = empty({0}, dtypes[i]);
                           continue;
                         }
                         grads[i] = grad_as(g.narrow(d, pos, lens[i]), dtypes[i]);
                         pos += lens[i];
                       }
                       return grads;
                     });
  }
  return out;
}

Tensor stack(const std::vector<Tensor>& tensors, std::int64_t dim) {
  KEEL_CHECK(!tensors.empty(), "stack: expected a non-empty list of tensors");
  const Tensor& ref = tensors[0];
  for (std::size_t i = 1; i < tensors.size(); ++i) {
    KEEL_CHECK(tensors[i].sizes() == ref.sizes(), "stack: expects each tensor to be equal size, but got ",
               ref.sizes(), " at entry 0 and ", tensors[i].sizes(), " at entry ", i);
  }
  const int d = wrap_dim(dim, ref.dim() + 1, "stack");
  const DType dt = common_dtype(tensors);
  Dims shape = ref.sizes();
  shape.insert(d, static_cast<std::int64_t>(tensors.size()));
  Tensor out = empty(shape, dt);
  Tensor dst = out.detach();
  for (std::size_t i = 0; i < tensors.size(); ++i) kernels::copy(dst.select(d, i), tensors[i]);
  if (autograd::needs_grad(tensors)) {
    std::vector<DType> dtypes;
    for (const Tensor& t : tensors) dtypes.push_back(t.dtype());
    autograd::record("StackBackward0", out, pointers(tensors),
                     [dtypes = std::move(dtypes), d](const Tensor& g) -> Tensors {
                       Tensors grads(dtypes.size());
                       for (std::size_t i = 0; i < dtypes.size(); ++i) {
                         if (is_floating_point(dtypes[i])) grads[i] = grad_as(g.select(d, i), dtypes[i]);
                       }
                       return grads;
                     });
  }
  return out;
}

Tensor index_select(const Tensor& x, std::int64_t dim, const Tensor& index) {
  KEEL_CHECK(index.dtype() == kInt64, "index_select: expected an int64 index, but got ",
             dtype_name(index.dtype()));
  KEEL_CHECK(index.dim() <= 1, "index_select: index is supposed to be a vector, but got shape ",
             index.sizes());
  KEEL_CHECK(x.dim() > 0, "index_select: expected a tensor with at least one dimension");
  const int d = wrap_dim(dim, x.dim(), "index_select");
  Tensor idx = index.contiguous();
  check_indices(idx, x.size(d), d, "index_select");
  Dims shape = x.sizes();
  shape[d] = idx.numel();
  Tensor out = empty(shape, x.dtype());
  kernels::index_select(out, x.detach().contiguous(), d, idx);
  if (autograd::needs_grad(x)) {
    autograd::record("IndexSelectBackward0", out, x,
                     [idx = SavedTensor(idx), shape = x.sizes(), d](const Tensor& g) -> Tensors {
                       Tensor gx = zeros(shape, g.dtype());
                       kernels::index_add(gx, d, idx.unpack(), g.contiguous());
                       return {gx};
                     });
  }
  return out;
}

Tensor gather(const Tensor& x, std::int64_t dim, const Tensor& index) {
  KEEL_CHECK(index.dtype() == kInt64, "gather: expected an int64 index, but got ", dtype_name(index.dtype()));
  KEEL_CHECK(index.dim() == x.dim(),
             "gather: index tensor must have the same number of dimensions as input "
             "tensor (input ",
             x.sizes(), ", index ", index.sizes(), ")");
  // A 0-dim gather is the 1-element 1-D one.
  if (x.dim() == 0) return gather(x.reshape({1}), dim, index.reshape({1})).reshape({});
  const int d = wrap_dim(dim, x.dim(), "gather");
  for (int k = 0; k < x.dim(); ++k) {
    KEEL_CHECK(k == d || index.size(k) <= x.size(k), "gather: size does not match at dimension ", k,
               ": expected index ", index.sizes(), " to be smaller than self ", x.sizes(),
               " apart from dimension ", d);
  }
  Tensor idx = index.contiguous();
  check_indices(idx, x.size(d), d, "gather");
  Tensor out = empty(idx.sizes(), x.dtype());
  kernels::gather(out, x.detach(), d, idx);
  if (autograd::needs_grad(x)) {
    autograd::record("GatherBackward0", out, x,
                     [idx = SavedTensor(idx), shape = x.sizes(), d](const Tensor& g) -> Tensors {
                       Tensor gx = zeros(shape, g.dtype());
                       kernels::scatter_add(gx, d, idx.unpack(), g.contiguous());
                       return {gx};
                     });
  }
  return out;
}

Tensor Tensor::index_select(std::int64_t dim, const Tensor& index) const {
  return keel::index_select(*this, dim, index);
}
Tensor Tensor::gather(std::int64_t dim, const Tensor& index) const { return keel::gather(*this, dim, index); }

}  // namespace keel
