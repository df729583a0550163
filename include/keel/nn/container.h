#pragma once
#include <initializer_list>
#include <memory>
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

}  // namespace keel::nn
