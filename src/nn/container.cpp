#include "keel/nn/container.h"

namespace keel::nn {

Sequential::Sequential(std::initializer_list<std::shared_ptr<Module>> modules) : Module("Sequential") {
  for (const auto& m : modules) push_back(m);
}

Sequential::Sequential(const std::vector<std::shared_ptr<Module>>& modules) : Module("Sequential") {
  for (const auto& m : modules) push_back(m);
}

void Sequential::push_back(std::shared_ptr<Module> module) {
  register_module(std::to_string(layers_.size()), module);
  layers_.push_back(std::move(module));
}

const std::shared_ptr<Module>& Sequential::operator[](std::int64_t i) const {
  const auto n = static_cast<std::int64_t>(layers_.size());
  KEEL_CHECK(i >= -n && i < n, "Sequential: index ", i, " is out of range for ", n, " modules");
  return layers_[static_cast<std::size_t>(i < 0 ? i + n : i)];
}

Tensor Sequential::forward(const Tensor& x) {
  Tensor h = x;
  for (const auto& m : layers_) h = m->forward(h);
  return h;
}

}  // namespace keel::nn
