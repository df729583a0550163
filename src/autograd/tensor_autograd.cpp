// Tensor's autograd accessors.
#include "keel/autograd/node.h"

namespace keel {

// Here, where AutogradMeta is a complete type, so that TensorImpl's unique_ptr can delete it.
TensorImpl::TensorImpl() = default;
TensorImpl::~TensorImpl() = default;

namespace {
autograd::AutogradMeta& meta_of(const Tensor& t) {
  TensorImpl* impl = t.unsafe_impl();
  if (!impl->autograd) impl->autograd = std::make_unique<autograd::AutogradMeta>();
  return *impl->autograd;
}
const std::shared_ptr<autograd::Node> kNoNode;
}  // namespace

bool Tensor::requires_grad() const {
  const auto& a = impl().autograd;
  return a && a->requires_grad;
}

Tensor& Tensor::requires_grad_(bool requires_grad) {
  KEEL_CHECK(is_leaf() || requires_grad,
             "requires_grad_: you can only change requires_grad flags of leaf "
             "variables; use detach() to get a tensor without history");
  KEEL_CHECK(!requires_grad || is_floating_point(),
             "requires_grad_: only tensors of floating point dtype can "
             "require gradients, got ",
             dtype_name(dtype()));
  meta_of(*this).requires_grad = requires_grad;
  return *this;
}

bool Tensor::is_leaf() const {
  const auto& a = impl().autograd;
  return !a || !a->grad_fn;
}

Tensor Tensor::grad() const {
  const auto& a = impl().autograd;
  return a ? a->grad : Tensor();
}

void Tensor::set_grad(const Tensor& grad) const {
  KEEL_CHECK(!grad.defined() || grad.sizes() == sizes(), "set_grad: gradient of shape ", grad.sizes(),
             " does not match the tensor's shape ", sizes());
  meta_of(*this).grad = grad;
}

const std::shared_ptr<autograd::Node>& Tensor::grad_fn() const {
  const auto& a = impl().autograd;
  return a ? a->grad_fn : kNoNode;
}

void Tensor::backward(const Tensor& gradient, bool retain_graph) const {
  autograd::run_backward(*this, gradient, retain_graph);
}

void Tensor::register_post_accumulate_grad_hook(std::function<void(Tensor&)> hook) {
  KEEL_CHECK(is_leaf() && requires_grad(),
             "register_post_accumulate_grad_hook: only leaf tensors that "
             "require grad have an accumulated gradient");
  meta_of(*this).post_accumulate_hooks.push_back(std::move(hook));
}

void Tensor::register_hook(std::function<Tensor(const Tensor&)> hook) {
  KEEL_CHECK(requires_grad(),
             "register_hook: cannot register a hook on a tensor that doesn't require gradient");
  if (is_leaf()) {
    meta_of(*this).grad_hooks.push_back(std::move(hook));
  } else {
    grad_fn()->pre_hooks.push_back(std::move(hook));
  }
}

}  // namespace keel
