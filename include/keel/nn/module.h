#pragma once
// nn::Module: owns named parameters, buffers and submodules, as torch.nn.Module does.
// Registration by name is what gives PyTorch's dotted names ("layer.0.weight") to
// named_parameters() and state_dict(), so weights move between keel and PyTorch.
// Modules are held by std::shared_ptr; there are no holder classes or macros.
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "keel/tensor/tensor.h"

namespace keel::nn {

// Ordered name -> tensor map (PyTorch's state_dict keeps registration order).
using StateDict = std::vector<std::pair<std::string, Tensor>>;

class Module : public std::enable_shared_from_this<Module> {
 public:
  explicit Module(std::string type_name = "Module") : type_name_(std::move(type_name)) {}
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  // The forward pass of single-input modules (everything Sequential can hold).
  virtual Tensor forward(const Tensor& input);
  Tensor operator()(const Tensor& input) { return forward(input); }

  // ---- registration (returns the stored handle) --------------------------------------------
  Tensor& register_parameter(const std::string& name, Tensor value, bool requires_grad = true);
  Tensor& register_buffer(const std::string& name, Tensor value);
  template <class M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> module) {
    add_child(name, module);
    return module;
  }

  // ---- traversal ------------------------------------------------------------------------
  std::vector<Tensor> parameters(bool recurse = true) const;
  StateDict named_parameters(bool recurse = true) const;
  std::vector<Tensor> buffers(bool recurse = true) const;
  StateDict named_buffers(bool recurse = true) const;
  std::vector<std::shared_ptr<Module>> children() const;
  // Replaces the submodule registered as `name` (PyTorch's setattr of a submodule), keeping
  // its place in the order. Containers override it to keep their own lists in step; a module
  // that holds a typed pointer to a child must override it too, or it keeps the old child.
  virtual void replace_module(const std::string& name, std::shared_ptr<Module> module);
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> named_children() const { return children_; }
  // This module and every descendant, depth first (this module first), as PyTorch.
  std::vector<std::shared_ptr<Module>> modules();
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> named_modules();
  // Calls fn on every submodule and then on this module (PyTorch's Module.apply order).
  Module& apply(const std::function<void(Module&)>& fn);

  // Direct access by local name: module.param("weight"), module.buffer("running_mean").
  Tensor& param(const std::string& name);
  Tensor& buffer(const std::string& name);
  // isinstance: returns nullptr when this is not an M.
  template <class M>
  M* as() {
    return dynamic_cast<M*>(this);
  }
  template <class M>
  bool is() const {
    return dynamic_cast<const M*>(this) != nullptr;
  }

  // ---- modes and gradients ---------------------------------------------------------------
  virtual Module& train(bool on = true);
  Module& eval() { return train(false); }
  bool is_training() const { return training_; }
  // Clears every parameter's gradient: zeroes it in place (PyTorch 1.13's default), or
  // drops it with set_to_none (PyTorch 2's default; saves a pass over memory).
  void zero_grad(bool set_to_none = false);

  // ---- device -------------------------------------------------------------------------------
  // Moves every parameter, buffer and gradient to `device`, in place as PyTorch does: the
  // handles stay the same, so an optimizer built before keeps working. On the CPU (keel's only
  // backend so far) nothing moves; a device this build lacks throws before anything changes
  // ("keel was built without CUDA").
  Module& to(const Device& device);

  // ---- state ------------------------------------------------------------------------------
  // Parameters and buffers with PyTorch's key names (detached handles sharing storage).
  StateDict state_dict() const;
  // Copies values in place. strict: every key must match both ways. Shape mismatches are
  // always errors. The message lists missing and unexpected keys.
  void load_state_dict(const StateDict& state, bool strict = true);

  // ---- printing ---------------------------------------------------------------------------
  const std::string& type_name() const { return type_name_; }
  // What goes between the parentheses, e.g. "in_features=784, out_features=10, bias=True".
  virtual std::string extra_repr() const { return ""; }
  void pretty_print(std::ostream& os, int indent = 0) const;

 protected:
  void add_child(const std::string& name, std::shared_ptr<Module> module);

 private:
  void collect(const std::string& prefix, bool recurse, bool params, StateDict& out) const;
  void collect_parameters(bool recurse, std::vector<Tensor>& out) const;
  void collect_modules(const std::string& prefix,
                       std::vector<std::pair<std::string, std::shared_ptr<Module>>>& out);

  std::string type_name_;
  bool training_ = true;
  StateDict params_;
  StateDict buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
};

std::ostream& operator<<(std::ostream& os, const Module& m);

}  // namespace keel::nn
