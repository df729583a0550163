// The backward pass: count how many edges point at each node, then run nodes whose
// gradients are complete (dependency count zero), summing gradients that meet at a node.
#include "keel/autograd/engine.h"

#include <functional>
#include <vector>

#include "autograd/node_table.h"
#include "keel/autograd/node.h"
#include "keel/tensor/factories.h"

namespace keel::autograd {

namespace {

void accumulate(Tensor& into, const Tensor& g) {
  if (!g.defined()) return;
  if (!into.defined()) {
    into = g;
  } else {
    into = into + g;
  }
}

// The callbacks of the backward pass running on this thread (null outside one). A hook may run
// a nested backward; each pass keeps its own list and restores the outer one when it ends.
thread_local std::vector<std::function<void()>>* t_callbacks = nullptr;

class CallbackScope {
 public:
  CallbackScope() : outer_(t_callbacks) { t_callbacks = &callbacks_; }
  ~CallbackScope() { t_callbacks = outer_; }
  CallbackScope(const CallbackScope&) = delete;
  CallbackScope& operator=(const CallbackScope&) = delete;
  // Index loop: a callback may queue another, which then runs in this same pass.
  void run() {
    for (std::size_t i = 0; i < callbacks_.size(); ++i) {
      std::function<void()> callback = std::move(callbacks_[i]);
      callback();
    }
    callbacks_.clear();
  }

 private:
  std::vector<std::function<void()>> callbacks_;
  std::vector<std::function<void()>>* outer_;
};

}  // namespace

void queue_callback(std::function<void()> callback) {
  KEEL_CHECK(t_callbacks != nullptr,
             "autograd::queue_callback: no backward pass is running on this thread (queue callbacks from "
             "a hook or node during backward)");
  t_callbacks->push_back(std::move(callback));
}

bool in_backward() { return t_callbacks != nullptr; }

void run_backward(const Tensor& root, const Tensor& grad, bool retain_graph) {
  KEEL_CHECK(root.requires_grad(),
             "backward: element 0 of tensors does not require grad and does not have a grad_fn");
  Tensor g = grad;
  if (!g.defined()) {
    KEEL_CHECK(root.numel() == 1,
               "backward: grad can be implicitly created only for scalar outputs, but the "
               "output has shape ",
               root.sizes(), "; pass a gradient of that shape");
    g = ones_like(root);
  } else {
    KEEL_CHECK(g.sizes() == root.sizes(), "backward: gradient has shape ", g.sizes(),
               " but the output has shape ", root.sizes());
    g = g.detach();
  }

  NoGradGuard no_grad;  // backward closures compute plain values (no higher-order graphs)
  CallbackScope callbacks;
  std::shared_ptr<Node> start = root.grad_fn();
  if (!start) {
    auto& meta = *root.unsafe_impl()->autograd;
    auto acc = meta.grad_accumulator.lock();
    if (!acc) {
      acc = std::make_shared<AccumulateGrad>(root.impl_ptr());
      meta.grad_accumulator = acc;
    }
    start = acc;
  }

  // Dependency counts by depth-first search.
  detail::NodeTable state;
  bool inserted = false;
  std::vector<Node*> stack{start.get()};
  state.find_or_insert(start.get(), inserted).grad = g;
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    for (const auto& next : n->next) {
      if (!next) continue;
      auto& slot = state.find_or_insert(next.get(), inserted);
      ++slot.dependencies;
      if (inserted) stack.push_back(next.get());
    }
  }

  std::vector<std::shared_ptr<Node>> ready{start};
  while (!ready.empty()) {
    std::shared_ptr<Node> node = std::move(ready.back());
    ready.pop_back();
    Tensor node_grad = std::move(state.at(node.get()).grad);
    Tensors grads;
    // A node whose every incoming gradient was undefined contributes nothing, but its
    // inputs must still see their dependency counts drop.
    if (node_grad.defined()) {
      for (auto& hook : node->pre_hooks) {
        Tensor replaced = hook(node_grad);
        if (replaced.defined()) node_grad = replaced;
      }
      grads = node->apply(node_grad);
      if (!retain_graph) node->release();
    } else {
      grads.resize(node->next.size());
    }
    KEEL_CHECK(grads.size() == node->next.size() || node->next.empty(), "backward: node ", node->name(),
               " returned ", grads.size(), " gradients for ", node->next.size(), " inputs");
    for (std::size_t i = 0; i < node->next.size(); ++i) {
      const auto& next = node->next[i];
      if (!next) continue;
      auto& ns = state.at(next.get());
      accumulate(ns.grad, grads[i]);
      if (--ns.dependencies == 0) ready.push_back(next);
    }
  }
  callbacks.run();
}

}  // namespace keel::autograd
