#pragma once
// keel::optim::Optimizer: torch.optim.Optimizer's model. Parameters live in groups, each with
// its own options (a name -> number map, like PyTorch's param_group dict: "lr", "momentum",
// "beta1"/"beta2" for betas, booleans as 0/1); options a group leaves out are filled from the
// optimizer's defaults. Per-parameter state (step count and buffers such as
// "momentum_buffer" or "exp_avg") is created lazily on the first step that sees a gradient.
// Updates run without autograd recording, directly on the parameters' storage.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "keel/tensor/tensor.h"

namespace keel::optim {

using Options = std::map<std::string, double>;

struct ParamGroup {
  ParamGroup() = default;
  ParamGroup(std::vector<Tensor> params, Options options = {})
      : params(std::move(params)), options(std::move(options)) {}

  std::vector<Tensor> params;
  Options options;

  bool has(const std::string& key) const { return options.count(key) != 0; }
  // The option's value; throws keel::Error naming the key when it is missing.
  double get(const std::string& key) const;
  void set(const std::string& key, double value) { options[key] = value; }
  double lr() const { return get("lr"); }
  void set_lr(double lr) { options["lr"] = lr; }
};

struct ParamState {
  std::int64_t step = 0;
  std::map<std::string, Tensor> buffers;
  bool initialized() const { return step > 0 || !buffers.empty(); }
  // The named buffer (throws keel::Error when missing).
  const Tensor& buffer(const std::string& name) const;
};

// What state_dict() returns: enough to resume training exactly. Parameters are referred to
// by their index in group order (as PyTorch's state_dict does); tensors are copies.
struct OptimizerState {
  struct Group {
    Options options;
    std::vector<std::int64_t> params;
  };
  std::vector<Group> param_groups;
  std::map<std::int64_t, ParamState> state;
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // One update of every parameter that has a gradient.
  virtual void step() = 0;
  // Zeroes every gradient in place (PyTorch 1.13's default), or drops it with set_to_none.
  void zero_grad(bool set_to_none = false);

  // Adds a group; its missing options come from defaults(). A parameter may appear in only
  // one group.
  void add_param_group(ParamGroup group);
  std::vector<ParamGroup>& param_groups() { return groups_; }
  const std::vector<ParamGroup>& param_groups() const { return groups_; }
  const Options& defaults() const { return defaults_; }
  const std::string& name() const { return name_; }

  // The state of a parameter of this optimizer (default-constructed before its first step).
  ParamState& state(const Tensor& param);

  OptimizerState state_dict() const;
  // Restores options and state saved from an optimizer over parameters of the same shapes
  // in the same group layout; buffers are copied and converted to each parameter's dtype.
  void load_state_dict(const OptimizerState& state);

 protected:
  Optimizer(std::string name, Options defaults);
  // Called by derived constructors once their defaults are set and validated.
  void init_groups(std::vector<ParamGroup> groups);
  // Checks one group's options; throws keel::Error naming the option and value.
  virtual void validate(const Options& options) const = 0;

  // Calls fn(param, grad, state, group) for each parameter with a defined gradient. grad is
  // contiguous and of the parameter's dtype; param is contiguous (a non-contiguous parameter
  // is updated through a contiguous copy that is written back).
  template <class F>
  void for_each_param(const char* op, F&& fn);

  std::vector<ParamGroup> groups_;
  std::vector<std::vector<ParamState>> states_;  // parallel to groups_[g].params

 private:
  void check_param(const Tensor& p, const char* op) const;
  std::string name_;
  Options defaults_;
};

template <class F>
void Optimizer::for_each_param(const char* op, F&& fn) {
  for (std::size_t gi = 0; gi < groups_.size(); ++gi) {
    ParamGroup& group = groups_[gi];
    for (std::size_t pi = 0; pi < group.params.size(); ++pi) {
      Tensor& p = group.params[pi];
      Tensor g = p.grad();
      if (!g.defined()) continue;
      KEEL_CHECK(g.dtype() == p.dtype() && g.sizes() == p.sizes(), op, ": gradient of shape ", g.sizes(),
                 " and dtype ", dtype_name(g.dtype()), " does not match its parameter of shape ", p.sizes(),
                 " and dtype ", dtype_name(p.dtype()));
      if (!g.is_contiguous()) g = g.contiguous();
      if (p.is_contiguous()) {
        fn(p, g, states_[gi][pi], group);
      } else {
        Tensor tmp = p.detach().contiguous();
        fn(tmp, g, states_[gi][pi], group);
        p.detach().copy_(tmp);
      }
      p.storage()->bump_version();
    }
  }
}

}  // namespace keel::optim
