// Recording of autograd history: nodes, edges, saved tensors, in-place rebasing.
#include "keel/autograd/node.h"

#include "keel/tensor/factories.h"

namespace keel::autograd {

SavedTensor::SavedTensor(const Tensor& t) : data_(t.detach()), version_(t.storage()->version()) {}

const Tensor& SavedTensor::unpack() const {
  KEEL_CHECK(data_.storage()->version() == version_,
             "backward: one of the tensors needed for gradient computation has been modified by an "
             "inplace operation: a tensor of shape ",
             data_.sizes(), " is at version ", data_.storage()->version(), "; expected version ", version_,
             " instead");
  return data_;
}

Tensors FunctionNode::apply(const Tensor& grad_output) {
  KEEL_CHECK(fn_ != nullptr,
             "backward: trying to backward through the graph a second time (or directly "
             "access saved tensors after they have already been freed). Saved "
             "intermediate values of the graph are freed when you call .backward(). "
             "Specify retain_graph=true if you need to backward through the graph a "
             "second time. (node ",
             name(), ")");
  return fn_(grad_output);
}

Tensors AccumulateGrad::apply(const Tensor& grad_output) {
  auto leaf_impl = leaf_.lock();
  if (!leaf_impl) return {};
  Tensor leaf(leaf_impl);
  AutogradMeta& meta = *leaf_impl->autograd;
  Tensor g = grad_output;
  for (auto& hook : meta.grad_hooks) {
    Tensor replaced = hook(g);
    if (replaced.defined()) g = replaced;
  }
  if (g.sizes() != leaf.sizes()) g = sum_to(g, leaf.sizes());
  if (!meta.grad.defined()) {
    // Steal the incoming buffer when nobody else holds it; otherwise keep a private copy,
    // since later accumulation writes into grad in place.
    bool unique = g.impl_ptr().use_count() <= 2 && g.storage().use_count() == 1 && g.is_contiguous() &&
                  g.storage()->nbytes() == static_cast<std::size_t>(g.numel()) * g.element_size();
    meta.grad = unique ? g.detach() : g.detach().clone();
  } else {
    meta.grad.add_(g);
  }
  for (auto& hook : meta.post_accumulate_hooks) hook(leaf);
  return {};
}

namespace {

AutogradMeta& meta_of(const Tensor& t) {
  TensorImpl* impl = t.unsafe_impl();
  if (!impl->autograd) impl->autograd = std::make_unique<AutogradMeta>();
  return *impl->autograd;
}

std::shared_ptr<Node> grad_accumulator(const Tensor& leaf) {
  AutogradMeta& meta = meta_of(leaf);
  if (auto acc = meta.grad_accumulator.lock()) return acc;
  auto acc = std::make_shared<AccumulateGrad>(leaf.impl_ptr());
  meta.grad_accumulator = acc;
  return acc;
}

// The edge through which gradient reaches t: its grad_fn, its accumulator, or none.
std::shared_ptr<Node> edge_of(const Tensor& t) {
  if (!t.defined()) return nullptr;
  TensorImpl* impl = t.unsafe_impl();
  if (!impl->autograd || !impl->autograd->requires_grad) return nullptr;
  if (impl->autograd->grad_fn) return impl->autograd->grad_fn;
  return grad_accumulator(t);
}

void set_history(Tensor& out, std::shared_ptr<Node> node) {
  AutogradMeta& meta = meta_of(out);
  meta.requires_grad = true;
  meta.grad_fn = std::move(node);
}

// Makes a node for `fn` with an edge to `first` (an in-place op's previous value; may be
// null) and to each of the n inputs, and sets it as out's history.
void record_edges(const char* name, Tensor& out, const Tensor* first, const Tensor* const* inputs,
                  std::size_t n, BackwardFn fn) {
  auto node = std::make_shared<FunctionNode>(name, std::move(fn));
  node->next.reserve(n + (first != nullptr ? 1 : 0));
  if (first != nullptr) node->next.push_back(edge_of(*first));
  for (std::size_t i = 0; i < n; ++i) node->next.push_back(edge_of(*inputs[i]));
  set_history(out, std::move(node));
}

}  // namespace

bool needs_grad(const Tensor& a) { return GradMode::is_enabled() && a.defined() && a.requires_grad(); }
bool needs_grad(const Tensor& a, const Tensor& b) {
  return GradMode::is_enabled() && ((a.defined() && a.requires_grad()) || (b.defined() && b.requires_grad()));
}
bool needs_grad(const std::vector<Tensor>& inputs) {
  if (!GradMode::is_enabled()) return false;
  for (const Tensor& t : inputs)
    if (t.defined() && t.requires_grad()) return true;
  return false;
}

void record(const char* name, Tensor& out, const std::vector<const Tensor*>& inputs, BackwardFn fn) {
  record_edges(name, out, nullptr, inputs.data(), inputs.size(), std::move(fn));
}

void record(const char* name, Tensor& out, std::initializer_list<const Tensor*> inputs, BackwardFn fn) {
  record_edges(name, out, nullptr, inputs.begin(), inputs.size(), std::move(fn));
}

void check_inplace(const Tensor& self, const char* op) {
  if (!GradMode::is_enabled()) return;
  TensorImpl* impl = self.unsafe_impl();
  if (impl->autograd && impl->autograd->requires_grad && !impl->autograd->grad_fn) {
    detail::fail(op, ": a leaf tensor that requires grad (shape ", self.sizes(),
                 ") is being used in an in-place operation; wrap it in keel::NoGradGuard or use an "
                 "out-of-place op");
  }
  if (impl->is_view && impl->autograd && impl->autograd->requires_grad) {
    detail::fail(op,
                 ": in-place operations on views of tensors that require grad are not supported "
                 "(shape ",
                 self.sizes(), "); clone() the view first");
  }
}

void record_inplace(const char* name, Tensor& self, const std::vector<const Tensor*>& others, BackwardFn fn) {
  record_edges(name, self, &self, others.data(), others.size(), std::move(fn));
}

void record_inplace(const char* name, Tensor& self, std::initializer_list<const Tensor*> others,
                    BackwardFn fn) {
  record_edges(name, self, &self, others.begin(), others.size(), std::move(fn));
}

Tensor sum_to(const Tensor& grad, const Dims& shape) {
  if (grad.sizes() == shape) return grad;
  int lead = grad.dim() - shape.size();
  Dims reduce;
  for (int d = 0; d < grad.dim(); ++d) {
    if (d < lead || (shape[d - lead] == 1 && grad.sizes()[d] != 1)) reduce.push_back(d);
  }
  Tensor r = reduce.empty() ? grad : grad.sum(reduce, /*keepdim=*/true);
  return r.reshape(shape);
}

}  // namespace keel::autograd
