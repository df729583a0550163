#include "keel/optim/optimizer.h"

#include <set>

#include "keel/autograd/grad_mode.h"

namespace keel::optim {

double ParamGroup::get(const std::string& key) const {
  auto it = options.find(key);
  KEEL_CHECK(it != options.end(), "param_group: no option '", key, "'");
  return it->second;
}

const Tensor& ParamState::buffer(const std::string& name) const {
  auto it = buffers.find(name);
  KEEL_CHECK(it != buffers.end(), "optimizer state: no buffer '", name, "'");
  return it->second;
}

Optimizer::Optimizer(std::string name, Options defaults)
    : name_(std::move(name)), defaults_(std::move(defaults)) {}

void Optimizer::init_groups(std::vector<ParamGroup> groups) {
  std::size_t total = 0;
  for (const auto& g : groups) total += g.params.size();
  KEEL_CHECK(total > 0, name_, ": optimizer got an empty parameter list");
  for (auto& g : groups) add_param_group(std::move(g));
}

void Optimizer::check_param(const Tensor& p, const char* op) const {
  KEEL_CHECK(p.defined(), op, ": a parameter is an undefined tensor");
  KEEL_CHECK(p.is_floating_point(), op, ": can only optimize floating-point tensors, got ",
             dtype_name(p.dtype()));
  KEEL_CHECK(p.is_leaf(), op, ": can't optimize a non-leaf Tensor");
}

void Optimizer::add_param_group(ParamGroup group) {
  KEEL_CHECK(!group.params.empty(), name_, ": a parameter group must have at least one parameter");
  std::set<const TensorImpl*> seen;
  for (const auto& g : groups_)
    for (const auto& p : g.params) seen.insert(p.unsafe_impl());
  for (const auto& p : group.params) {
    check_param(p, name_.c_str());
    KEEL_CHECK(seen.insert(p.unsafe_impl()).second, name_,
               ": some parameters appear in more than one parameter group (or twice in one)");
  }
  for (const auto& [key, value] : defaults_) group.options.emplace(key, value);
  validate(group.options);
  states_.emplace_back(group.params.size());
  groups_.push_back(std::move(group));
}

void Optimizer::zero_grad(bool set_to_none) {
  for (auto& group : groups_)
    for (auto& p : group.params) {
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

ParamState& Optimizer::state(const Tensor& param) {
  for (std::size_t g = 0; g < groups_.size(); ++g)
    for (std::size_t i = 0; i < groups_[g].params.size(); ++i)
      if (groups_[g].params[i].is_same(param)) return states_[g][i];
  detail::fail(name_, ": state(): the tensor is not a parameter of this optimizer");
}

OptimizerState Optimizer::state_dict() const {
  OptimizerState out;
  std::int64_t index = 0;
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    OptimizerState::Group group{groups_[g].options, {}};
    for (std::size_t i = 0; i < groups_[g].params.size(); ++i, ++index) {
      group.params.push_back(index);
      const ParamState& s = states_[g][i];
      if (!s.initialized()) continue;
      ParamState copy{s.step, {}};
      for (const auto& [name, t] : s.buffers)
        copy.buffers.emplace(name, t.defined() ? t.detach().clone() : t);
      out.state.emplace(index, std::move(copy));
    }
    out.param_groups.push_back(std::move(group));
  }
  return out;
}

void Optimizer::load_state_dict(const OptimizerState& saved) {
  KEEL_CHECK(saved.param_groups.size() == groups_.size(), name_,
             ": loaded state dict has a different number of parameter groups (", saved.param_groups.size(),
             " vs ", groups_.size(), ")");
  for (std::size_t g = 0; g < groups_.size(); ++g)
    KEEL_CHECK(
        saved.param_groups[g].params.size() == groups_[g].params.size(), name_,
        ": loaded state dict contains a parameter group that doesn't match the size of optimizer's group (",
        saved.param_groups[g].params.size(), " vs ", groups_[g].params.size(), ")");
  for (std::size_t g = 0; g < groups_.size(); ++g) validate(saved.param_groups[g].options);
  // Build everything first, so a failure leaves this optimizer untouched.
  std::vector<std::vector<ParamState>> states;
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    states.emplace_back(groups_[g].params.size());
    for (std::size_t i = 0; i < groups_[g].params.size(); ++i) {
      auto it = saved.state.find(saved.param_groups[g].params[i]);
      if (it == saved.state.end()) continue;
      const Tensor& p = groups_[g].params[i];
      ParamState s{it->second.step, {}};
      for (const auto& [name, t] : it->second.buffers) {
        if (!t.defined()) {
          s.buffers.emplace(name, t);
          continue;
        }
        KEEL_CHECK(t.sizes() == p.sizes(), name_, ": loaded state '", name, "' has shape ", t.sizes(),
                   " but its parameter has shape ", p.sizes());
        s.buffers.emplace(name, t.detach().to(p.dtype()).clone().contiguous());
      }
      states.back()[i] = std::move(s);
    }
  }
  for (std::size_t g = 0; g < groups_.size(); ++g) groups_[g].options = saved.param_groups[g].options;
  states_ = std::move(states);
}

}  // namespace keel::optim
