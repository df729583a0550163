#pragma once
#include <initializer_list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "keel/nn/module.h"

namespace keel::nn {

// Runs its modules in order; children are named "0", "1", ... as in PyTorch.
class Sequential : public Module {
 public:
  Sequential() : Module("Sequential") {}
  Sequential(std::initializer_list<std::shared_ptr<Module>> modules);
  explicit Sequential(const std::vector<std::shared_ptr<Module>>& modules);

  Tensor forward(const Tensor& x) override;
  void push_back(std::shared_ptr<Module> module);
  void replace_module(const std::string& name, std::shared_ptr<Module> module) override;
  std::size_t size() const { return layers_.size(); }
  // seq[i] (negative i counts from the end).
  const std::shared_ptr<Module>& operator[](std::int64_t i) const;
  // seq.at<Linear>(0)->weight; throws if the module is not an M.
  template <class M>
  std::shared_ptr<M> at(std::int64_t i) const {
    auto m = std::dynamic_pointer_cast<M>((*this)[i]);
    KEEL_CHECK(m != nullptr, "Sequential::at: module ", i, " is a ", (*this)[i]->type_name(),
               ", not the requested type");
    return m;
  }

 private:
  std::vector<std::shared_ptr<Module>> layers_;
};

// Holds modules in a list (torch.nn.ModuleList): children named "0", "1", ..., so their
// parameters are registered ("0.weight", ...); it has no forward of its own.
class ModuleList : public Module {
 public:
  ModuleList() : Module("ModuleList") {}
  ModuleList(std::initializer_list<std::shared_ptr<Module>> modules);
  explicit ModuleList(const std::vector<std::shared_ptr<Module>>& modules);

  void push_back(std::shared_ptr<Module> module);
  void replace_module(const std::string& name, std::shared_ptr<Module> module) override;
  void append(std::shared_ptr<Module> module) { push_back(std::move(module)); }
  std::size_t size() const { return modules_.size(); }
  bool empty() const { return modules_.empty(); }
  // list[i] (negative i counts from the end).
  const std::shared_ptr<Module>& operator[](std::int64_t i) const;
  // list.at<Linear>(0)->weight; throws if the module is not an M.
  template <class M>
  std::shared_ptr<M> at(std::int64_t i) const {
    auto m = std::dynamic_pointer_cast<M>((*this)[i]);
    KEEL_CHECK(m != nullptr, "ModuleList::at: module ", i, " is a ", (*this)[i]->type_name(),
               ", not the requested type");
    return m;
  }
  auto begin() const { return modules_.begin(); }
  auto end() const { return modules_.end(); }

 private:
  std::vector<std::shared_ptr<Module>> modules_;
};

// Holds modules by name in insertion order (torch.nn.ModuleDict): each key is the child's
// registration name, so state_dict keys are "key.weight", ....
class ModuleDict : public Module {
 public:
  using Item = std::pair<std::string, std::shared_ptr<Module>>;
  ModuleDict() : Module("ModuleDict") {}
  ModuleDict(std::initializer_list<Item> items);

  // Adds under a new key (an existing key is an error: keel does not replace children).
  void insert(const std::string& key, std::shared_ptr<Module> module);
  void replace_module(const std::string& name, std::shared_ptr<Module> module) override;
  std::size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  bool contains(const std::string& key) const;
  const std::shared_ptr<Module>& operator[](const std::string& key) const;
  template <class M>
  std::shared_ptr<M> at(const std::string& key) const {
    auto m = std::dynamic_pointer_cast<M>((*this)[key]);
    KEEL_CHECK(m != nullptr, "ModuleDict::at: module '", key, "' is a ", (*this)[key]->type_name(),
               ", not the requested type");
    return m;
  }
  std::vector<std::string> keys() const;
  // Iterates (key, module) pairs in insertion order.
  auto begin() const { return items_.begin(); }
  auto end() const { return items_.end(); }

 private:
  std::vector<Item> items_;
};

}  // namespace keel::nn
