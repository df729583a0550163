#include "keel/nn/container.h"

#include "keel/nn/activation.h"
#include "keel/nn/normalization.h"
#include "keel/nn/pooling.h"

namespace keel::nn {

namespace {
// The position of the child registered as `name` (containers register their items in order).
std::size_t child_index(const Module& m, const std::string& name) {
  const auto children = m.named_children();
  for (std::size_t i = 0; i < children.size(); ++i)
    if (children[i].first == name) return i;
  detail::fail("replace_module: ", m.type_name(), " has no submodule '", name, "'");
}

// Whether `m` is a MaxPool2d(2) (2x2 windows, stride 2, no padding or dilation, floor mode)
// over planes of x that split into whole windows: what batch_norm_relu_max_pool2d computes.
bool fuses_as_pool2(Module& m, const Tensor& x) {
  const auto* pool = m.as<MaxPool2d>();
  return pool != nullptr && pool->kernel_size == Pair(2, 2) && pool->stride == Pair(2, 2) &&
         pool->padding == Pair(0, 0) && pool->dilation == Pair(1, 1) && !pool->ceil_mode && x.dim() == 4 &&
         x.is_floating_point() && x.size(2) % 2 == 0 && x.size(3) % 2 == 0 && x.size(2) > 0 && x.size(3) > 0;
}
}  // namespace

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

void Sequential::replace_module(const std::string& name, std::shared_ptr<Module> module) {
  const std::size_t i = child_index(*this, name);
  Module::replace_module(name, module);
  layers_[i] = std::move(module);
}

const std::shared_ptr<Module>& Sequential::operator[](std::int64_t i) const {
  const auto n = static_cast<std::int64_t>(layers_.size());
  KEEL_CHECK(i >= -n && i < n, "Sequential: index ", i, " is out of range for ", n, " modules");
  return layers_[static_cast<std::size_t>(i < 0 ? i + n : i)];
}

Tensor Sequential::forward(const Tensor& x) {
  Tensor h = x;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    // A BatchNorm2d, a ReLU and a MaxPool2d(2) in a row run as one fused op on even-sized
    // planes (three fewer passes over the activations forward, five backward).
    if (i + 2 < layers_.size() && layers_[i + 1]->as<ReLU>() && fuses_as_pool2(*layers_[i + 2], h)) {
      if (auto bn = layers_[i]->as<BatchNorm2d>()) {
        h = bn->forward_relu_max_pool2d(h);
        i += 2;
        continue;
      }
    }
    // A BatchNorm followed by a ReLU runs as one fused op: the same values and gradients,
    // two fewer passes over the activations each way (the intermediate is never visible).
    if (i + 1 < layers_.size() && layers_[i + 1]->as<ReLU>()) {
      if (auto bn = layers_[i]->as<BatchNormBase>()) {
        h = bn->forward_relu(h);
        ++i;
        continue;
      }
    }
    h = layers_[i]->forward(h);
  }
  return h;
}

// ---- ModuleList ---------------------------------------------------------------------------

ModuleList::ModuleList(std::initializer_list<std::shared_ptr<Module>> modules) : Module("ModuleList") {
  for (const auto& m : modules) push_back(m);
}

ModuleList::ModuleList(const std::vector<std::shared_ptr<Module>>& modules) : Module("ModuleList") {
  for (const auto& m : modules) push_back(m);
}

void ModuleList::push_back(std::shared_ptr<Module> module) {
  register_module(std::to_string(modules_.size()), module);
  modules_.push_back(std::move(module));
}

void ModuleList::replace_module(const std::string& name, std::shared_ptr<Module> module) {
  const std::size_t i = child_index(*this, name);
  Module::replace_module(name, module);
  modules_[i] = std::move(module);
}

const std::shared_ptr<Module>& ModuleList::operator[](std::int64_t i) const {
  const auto n = static_cast<std::int64_t>(modules_.size());
  KEEL_CHECK(i >= -n && i < n, "ModuleList: index ", i, " is out of range for ", n, " modules");
  return modules_[static_cast<std::size_t>(i < 0 ? i + n : i)];
}

// ---- ModuleDict ---------------------------------------------------------------------------

ModuleDict::ModuleDict(std::initializer_list<Item> items) : Module("ModuleDict") {
  for (const auto& [key, m] : items) insert(key, m);
}

void ModuleDict::insert(const std::string& key, std::shared_ptr<Module> module) {
  KEEL_CHECK(!contains(key), "ModuleDict: key '", key, "' already exists");
  register_module(key, module);
  items_.emplace_back(key, std::move(module));
}

void ModuleDict::replace_module(const std::string& name, std::shared_ptr<Module> module) {
  const std::size_t i = child_index(*this, name);
  Module::replace_module(name, module);
  items_[i].second = std::move(module);
}

bool ModuleDict::contains(const std::string& key) const {
  for (const auto& item : items_)
    if (item.first == key) return true;
  return false;
}

const std::shared_ptr<Module>& ModuleDict::operator[](const std::string& key) const {
  for (const auto& item : items_)
    if (item.first == key) return item.second;
  detail::fail("ModuleDict: no module with key '", key, "'");
}

std::vector<std::string> ModuleDict::keys() const {
  std::vector<std::string> out;
  out.reserve(items_.size());
  for (const auto& item : items_) out.push_back(item.first);
  return out;
}

}  // namespace keel::nn
