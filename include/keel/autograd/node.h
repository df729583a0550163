#pragma once
// The autograd graph. Every differentiable op that sees an input requiring grad records a
// Node on its output: a small backward closure plus one edge per input. Leaves get an
// AccumulateGrad node. Backward walks the graph from the root in dependency order.
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "keel/autograd/grad_mode.h"
#include "keel/tensor/tensor.h"

namespace keel::autograd {

using Tensors = std::vector<Tensor>;

class Node {
 public:
  explicit Node(const char* name) : name_(name) {}
  virtual ~Node() = default;
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  const char* name() const { return name_; }
  // Gradients for each input edge, given the gradient of this node's output.
  virtual Tensors apply(const Tensor& grad_output) = 0;
  // Frees saved tensors after a backward pass without retain_graph.
  virtual void release() {}
  // One edge per input of the op; null where the input does not require grad.
  std::vector<std::shared_ptr<Node>> next;
  // Run on the incoming gradient before apply (Tensor::register_hook on a non-leaf).
  std::vector<std::function<Tensor(const Tensor&)>> pre_hooks;

 private:
  const char* name_;
};

// A tensor saved for backward. It keeps a detached alias (so saving an op's own output
// does not make a reference cycle) and the storage version at save time, and refuses to
// unpack if an in-place op has changed the data since.
class SavedTensor {
 public:
  SavedTensor() = default;
  explicit SavedTensor(const Tensor& t);
  const Tensor& unpack() const;
  bool defined() const { return data_.defined(); }

 private:
  Tensor data_;
  std::uint64_t version_ = 0;
};

using BackwardFn = std::function<Tensors(const Tensor& grad_output)>;

// A node whose backward is a closure: the common form of every op's backward.
class FunctionNode final : public Node {
 public:
  FunctionNode(const char* name, BackwardFn fn) : Node(name), fn_(std::move(fn)) {}
  Tensors apply(const Tensor& grad_output) override;
  void release() override { fn_ = nullptr; }

 private:
  BackwardFn fn_;
};

// Sums gradients into a leaf's grad() and then runs its hooks.
class AccumulateGrad final : public Node {
 public:
  explicit AccumulateGrad(std::weak_ptr<TensorImpl> leaf) : Node("AccumulateGrad"), leaf_(std::move(leaf)) {}
  Tensors apply(const Tensor& grad_output) override;

 private:
  std::weak_ptr<TensorImpl> leaf_;
};

struct AutogradMeta {
  bool requires_grad = false;
  std::shared_ptr<Node> grad_fn;
  std::weak_ptr<Node> grad_accumulator;  // shared by every use of a leaf in a graph
  Tensor grad;
  std::vector<std::function<void(Tensor&)>> post_accumulate_hooks;
  std::vector<std::function<Tensor(const Tensor&)>> grad_hooks;
};

// True when grad mode is on and any input requires grad: the op must record a node.
bool needs_grad(const Tensor& a);
bool needs_grad(const Tensor& a, const Tensor& b);
bool needs_grad(const std::vector<Tensor>& inputs);

// Records `out` as the result of an op on `inputs` whose backward is `fn`.
// `fn` returns one gradient per input (undefined where that input needs none).
void record(const char* name, Tensor& out, const std::vector<const Tensor*>& inputs, BackwardFn fn);
// The same for a braced list of inputs ({&a, &b, &c}): it builds no temporary vector, which
// would be one more heap allocation for every recorded op.
void record(const char* name, Tensor& out, std::initializer_list<const Tensor*> inputs, BackwardFn fn);
inline void record(const char* name, Tensor& out, const Tensor& a, BackwardFn fn) {
  record(name, out, {&a}, std::move(fn));
}
inline void record(const char* name, Tensor& out, const Tensor& a, const Tensor& b, BackwardFn fn) {
  record(name, out, {&a, &b}, std::move(fn));
}

// For an in-place op on `self`: checks it is allowed (not a leaf requiring grad, not a view
// of a tensor requiring grad) and, if recording, makes `fn` the new grad_fn of `self` with
// edges to its previous history and to `others`.
void check_inplace(const Tensor& self, const char* op);
void record_inplace(const char* name, Tensor& self, const std::vector<const Tensor*>& others, BackwardFn fn);
void record_inplace(const char* name, Tensor& self, std::initializer_list<const Tensor*> others,
                    BackwardFn fn);

// Reduces a broadcast gradient back to `shape` by summing the expanded dims.
Tensor sum_to(const Tensor& grad, const Dims& shape);

// Runs backward from `root` with upstream gradient `grad` (ones for a scalar root).
void run_backward(const Tensor& root, const Tensor& grad, bool retain_graph);

}  // namespace keel::autograd
