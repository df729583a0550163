#include "keel/nn/module.h"

#include <algorithm>
#include <ostream>
#include <set>
#include <sstream>

#include "keel/autograd/grad_mode.h"

namespace keel::nn {

namespace {
void check_name(const std::string& name, const char* what) {
  KEEL_CHECK(!name.empty() && name.find('.') == std::string::npos, "register_", what, ": name '", name,
             "' must be non-empty and contain no '.'");
}

template <class List>
bool has_name(const List& list, const std::string& name) {
  return std::any_of(list.begin(), list.end(), [&](const auto& kv) { return kv.first == name; });
}
}  // namespace

Tensor Module::forward(const Tensor&) {
  detail::fail(type_name_, ": forward(Tensor) is not implemented for this module");
}

Tensor& Module::register_parameter(const std::string& name, Tensor value, bool requires_grad) {
  check_name(name, "parameter");
  KEEL_CHECK(!has_name(params_, name) && !has_name(buffers_, name) && !has_name(children_, name),
             "register_parameter: attribute '", name, "' already exists in ", type_name_);
  if (value.defined() && requires_grad) value.requires_grad_(true);
  params_.emplace_back(name, std::move(value));
  return params_.back().second;
}

Tensor& Module::register_buffer(const std::string& name, Tensor value) {
  check_name(name, "buffer");
  KEEL_CHECK(!has_name(params_, name) && !has_name(buffers_, name) && !has_name(children_, name),
             "register_buffer: attribute '", name, "' already exists in ", type_name_);
  buffers_.emplace_back(name, std::move(value));
  return buffers_.back().second;
}

void Module::add_child(const std::string& name, std::shared_ptr<Module> module) {
  check_name(name, "module");
  KEEL_CHECK(module != nullptr, "register_module: module '", name, "' is null");
  KEEL_CHECK(!has_name(params_, name) && !has_name(buffers_, name) && !has_name(children_, name),
             "register_module: attribute '", name, "' already exists in ", type_name_);
  children_.emplace_back(name, std::move(module));
}

void Module::replace_module(const std::string& name, std::shared_ptr<Module> module) {
  KEEL_CHECK(module != nullptr, "replace_module: module '", name, "' is null");
  for (auto& [child_name, child] : children_)
    if (child_name == name) {
      child = std::move(module);
      return;
    }
  detail::fail("replace_module: ", type_name_, " has no submodule '", name, "'");
}

void Module::collect(const std::string& prefix, bool recurse, bool params, StateDict& out) const {
  for (const auto& [name, t] : params ? params_ : buffers_)
    if (t.defined()) out.emplace_back(prefix + name, t);
  if (!recurse) return;
  for (const auto& [name, child] : children_) child->collect(prefix + name + ".", true, params, out);
}

StateDict Module::named_parameters(bool recurse) const {
  StateDict out;
  collect("", recurse, true, out);
  // A parameter shared by two submodules appears once, as in PyTorch.
  StateDict unique;
  std::set<const TensorImpl*> seen;
  for (auto& kv : out)
    if (seen.insert(kv.second.unsafe_impl()).second) unique.push_back(std::move(kv));
  return unique;
}

// parameters() is called every step (clip_grad_norm_, building optimizers), so it walks
// the registry without building the dotted names that named_parameters() needs.
void Module::collect_parameters(bool recurse, std::vector<Tensor>& out) const {
  for (const auto& kv : params_)
    if (kv.second.defined()) out.push_back(kv.second);
  if (!recurse) return;
  for (const auto& kv : children_) kv.second->collect_parameters(true, out);
}

std::vector<Tensor> Module::parameters(bool recurse) const {
  std::vector<Tensor> all;
  collect_parameters(recurse, all);
  // A parameter shared by two submodules appears once (its first occurrence), as in
  // named_parameters(). Small models compare directly; larger ones use a set.
  std::vector<Tensor> out;
  out.reserve(all.size());
  constexpr std::size_t kLinearLimit = 64;
  if (all.size() <= kLinearLimit) {
    for (auto& t : all) {
      bool seen = false;
      for (const auto& u : out) seen = seen || u.is_same(t);
      if (!seen) out.push_back(std::move(t));
    }
  } else {
    std::set<const TensorImpl*> seen;
    for (auto& t : all)
      if (seen.insert(t.unsafe_impl()).second) out.push_back(std::move(t));
  }
  return out;
}

StateDict Module::named_buffers(bool recurse) const {
  StateDict out;
  collect("", recurse, false, out);
  return out;
}

std::vector<Tensor> Module::buffers(bool recurse) const {
  std::vector<Tensor> out;
  for (auto& kv : named_buffers(recurse)) out.push_back(kv.second);
  return out;
}

std::vector<std::shared_ptr<Module>> Module::children() const {
  std::vector<std::shared_ptr<Module>> out;
  for (const auto& kv : children_) out.push_back(kv.second);
  return out;
}

void Module::collect_modules(const std::string& prefix,
                             std::vector<std::pair<std::string, std::shared_ptr<Module>>>& out) {
  out.emplace_back(prefix, shared_from_this());
  for (auto& [name, child] : children_)
    child->collect_modules(prefix.empty() ? name : prefix + "." + name, out);
}

std::vector<std::pair<std::string, std::shared_ptr<Module>>> Module::named_modules() {
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> out;
  collect_modules("", out);
  return out;
}

std::vector<std::shared_ptr<Module>> Module::modules() {
  std::vector<std::shared_ptr<Module>> out;
  for (auto& kv : named_modules()) out.push_back(kv.second);
  return out;
}

Module& Module::apply(const std::function<void(Module&)>& fn) {
  for (auto& kv : children_) kv.second->apply(fn);
  fn(*this);
  return *this;
}

Tensor& Module::param(const std::string& name) {
  for (auto& kv : params_)
    if (kv.first == name) return kv.second;
  detail::fail(type_name_, " has no parameter '", name, "'");
}

Tensor& Module::buffer(const std::string& name) {
  for (auto& kv : buffers_)
    if (kv.first == name) return kv.second;
  detail::fail(type_name_, " has no buffer '", name, "'");
}

Module& Module::train(bool on) {
  training_ = on;
  for (auto& kv : children_) kv.second->train(on);
  return *this;
}

void Module::zero_grad(bool set_to_none) {
  for (Tensor& p : parameters()) {
    Tensor g = p.grad();
    if (!g.defined()) continue;
    if (set_to_none) {
      p.set_grad(Tensor());
    } else {
      NoGradGuard guard;
      g.zero_();
    }
  }
}

namespace {
// Gives `t` its data on `device` while keeping the handle (and its autograd metadata).
void move_in_place(Tensor& t, const Device& device) {
  if (!t.defined()) return;
  Tensor moved = t.detach().to(device);
  if (moved.storage() == t.storage()) return;  // already there: always, while the CPU is the only backend
  TensorImpl& impl = *t.unsafe_impl();
  impl.storage = moved.storage();
  impl.offset = moved.storage_offset();
  impl.strides = moved.strides();
  Tensor grad = t.grad();  // shares the gradient's TensorImpl, so this moves the gradient itself
  move_in_place(grad, device);
}
}  // namespace

Module& Module::to(const Device& device) {
  for (auto& kv : params_) move_in_place(kv.second, device);
  for (auto& kv : buffers_) move_in_place(kv.second, device);
  for (auto& kv : children_) kv.second->to(device);
  return *this;
}

StateDict Module::state_dict() const {
  StateDict out;
  // PyTorch orders each module's parameters, then its buffers, then its children.
  std::function<void(const Module&, const std::string&)> walk = [&](const Module& m,
                                                                    const std::string& prefix) {
    for (const auto& [name, t] : m.params_)
      if (t.defined()) out.emplace_back(prefix + name, t.detach());
    for (const auto& [name, t] : m.buffers_)
      if (t.defined()) out.emplace_back(prefix + name, t.detach());
    for (const auto& [name, child] : m.children_) walk(*child, prefix + name + ".");
  };
  walk(*this, "");
  return out;
}

void Module::load_state_dict(const StateDict& state, bool strict) {
  StateDict own = state_dict();
  std::vector<std::string> missing, unexpected;
  std::ostringstream shape_errors;
  for (const auto& [key, dst] : own) {
    auto it = std::find_if(state.begin(), state.end(), [&](const auto& kv) { return kv.first == key; });
    if (it == state.end()) {
      missing.push_back(key);
      continue;
    }
    if (it->second.sizes() != dst.sizes()) {
      shape_errors << "\n\tsize mismatch for " << key << ": copying a param with shape " << it->second.sizes()
                   << " from checkpoint, the shape in current model is " << dst.sizes() << ".";
    }
  }
  for (const auto& kv : state)
    if (std::none_of(own.begin(), own.end(), [&](const auto& o) { return o.first == kv.first; }))
      unexpected.push_back(kv.first);
  std::ostringstream err;
  if (strict && !missing.empty()) {
    err << "\n\tMissing key(s) in state_dict: ";
    for (std::size_t i = 0; i < missing.size(); ++i) err << (i ? ", " : "") << '"' << missing[i] << '"';
    err << ".";
  }
  if (strict && !unexpected.empty()) {
    err << "\n\tUnexpected key(s) in state_dict: ";
    for (std::size_t i = 0; i < unexpected.size(); ++i) err << (i ? ", " : "") << '"' << unexpected[i] << '"';
    err << ".";
  }
  err << shape_errors.str();
  KEEL_CHECK(err.str().empty(), "Error(s) in loading state_dict for ", type_name_, ":", err.str());
  NoGradGuard guard;
  for (auto& [key, dst] : own) {
    auto it = std::find_if(state.begin(), state.end(), [&](const auto& kv) { return kv.first == key; });
    if (it != state.end()) dst.copy_(it->second);
  }
}

void Module::pretty_print(std::ostream& os, int indent) const {
  os << type_name_ << "(";
  std::string extra = extra_repr();
  if (children_.empty()) {
    os << extra << ")";
    return;
  }
  std::string pad(static_cast<std::size_t>(indent + 2), ' ');
  os << "\n";
  if (!extra.empty()) os << pad << extra << "\n";
  for (const auto& [name, child] : children_) {
    os << pad << "(" << name << "): ";
    child->pretty_print(os, indent + 2);
    os << "\n";
  }
  os << std::string(static_cast<std::size_t>(indent), ' ') << ")";
}

std::ostream& operator<<(std::ostream& os, const Module& m) {
  m.pretty_print(os);
  return os;
}

}  // namespace keel::nn
