#include "keel/optim/adam.h"

#include <cmath>

#include "keel/autograd/grad_mode.h"
#include "keel/optim/adamw.h"
#include "keel/tensor/factories.h"
#include "ops/optimizer_steps.h"
#include "optim/check.h"

namespace keel::optim {

namespace {
template <class O>
Options to_options(const O& o) {
  return {{"lr", o.lr},
          {"beta1", o.beta1},
          {"beta2", o.beta2},
          {"eps", o.eps},
          {"weight_decay", o.weight_decay},
          {"amsgrad", o.amsgrad ? 1.0 : 0.0},
          {"maximize", o.maximize ? 1.0 : 0.0}};
}

Tensor& zero_buffer(ParamState& s, const char* name, const Tensor& p) {
  auto it = s.buffers.find(name);
  if (it == s.buffers.end()) it = s.buffers.emplace(name, zeros(p.sizes(), p.dtype())).first;
  return it->second;
}
}  // namespace

Adam::Adam(const char* name, Options defaults, bool decoupled)
    : Optimizer(name, std::move(defaults)), decoupled_(decoupled) {}

Adam::Adam(std::vector<Tensor> params, const AdamOptions& options)
    : Adam(std::vector<ParamGroup>{ParamGroup(std::move(params))}, options) {}

Adam::Adam(std::vector<ParamGroup> groups, const AdamOptions& options)
    : Adam("Adam", to_options(options), false) {
  validate(defaults());
  init_groups(std::move(groups));
}

void Adam::validate(const Options& o) const {
  using detail::check_option;
  double lr = o.at("lr"), eps = o.at("eps"), b1 = o.at("beta1"), b2 = o.at("beta2"),
         wd = o.at("weight_decay");
  check_option(lr >= 0.0, name(), "learning rate (lr)", lr);
  check_option(eps >= 0.0, name(), "epsilon value (eps)", eps);
  check_option(b1 >= 0.0 && b1 < 1.0, name(), "beta parameter at index 0 (beta1)", b1);
  check_option(b2 >= 0.0 && b2 < 1.0, name(), "beta parameter at index 1 (beta2)", b2);
  check_option(wd >= 0.0, name(), "weight_decay value", wd);
}

void Adam::step() {
  NoGradGuard guard;
  for_each_param(name().c_str(), [this](Tensor& p, const Tensor& g, ParamState& s, const ParamGroup& group) {
    const double lr = group.get("lr"), beta1 = group.get("beta1"), beta2 = group.get("beta2");
    const double wd = group.get("weight_decay");
    const bool amsgrad = detail::flag(group, "amsgrad");
    Tensor& m = zero_buffer(s, "exp_avg", p);
    Tensor& v = zero_buffer(s, "exp_avg_sq", p);
    const Tensor& vmax = amsgrad ? zero_buffer(s, "max_exp_avg_sq", p) : ops::kNoBuffer;
    s.step += 1;
    const double step = static_cast<double>(s.step);
    ops::AdamArgs a{};
    a.beta1 = beta1;
    a.beta2 = beta2;
    a.eps = group.get("eps");
    a.weight_decay = wd;
    a.step_size = lr / (1.0 - std::pow(beta1, step));
    a.bias_correction2_sqrt = std::sqrt(1.0 - std::pow(beta2, step));
    a.decoupled = decoupled_;
    a.decay = decoupled_ ? 1.0 - lr * wd : 1.0;
    a.amsgrad = amsgrad;
    a.maximize = detail::flag(group, "maximize");
    ops::adam_step_(p, g, m, v, vmax, a);
  });
}

AdamW::AdamW(std::vector<Tensor> params, const AdamWOptions& options)
    : AdamW(std::vector<ParamGroup>{ParamGroup(std::move(params))}, options) {}

AdamW::AdamW(std::vector<ParamGroup> groups, const AdamWOptions& options)
    : Adam("AdamW", to_options(options), true) {
  validate(defaults());
  init_groups(std::move(groups));
}

}  // namespace keel::optim
