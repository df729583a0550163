#include "keel/optim/rmsprop.h"

#include "keel/autograd/grad_mode.h"
#include "keel/tensor/factories.h"
#include "ops/optimizer_steps.h"
#include "optim/check.h"

namespace keel::optim {

namespace {
Options to_options(const RMSpropOptions& o) {
  return {{"lr", o.lr},
          {"alpha", o.alpha},
          {"eps", o.eps},
          {"weight_decay", o.weight_decay},
          {"momentum", o.momentum},
          {"centered", o.centered ? 1.0 : 0.0},
          {"maximize", o.maximize ? 1.0 : 0.0}};
}

const Tensor& zero_buffer(ParamState& s, const char* name, const Tensor& p) {
  auto it = s.buffers.find(name);
  if (it == s.buffers.end()) it = s.buffers.emplace(name, zeros(p.sizes(), p.dtype())).first;
  return it->second;
}
}  // namespace

RMSprop::RMSprop(std::vector<Tensor> params, const RMSpropOptions& options)
    : RMSprop(std::vector<ParamGroup>{ParamGroup(std::move(params))}, options) {}

RMSprop::RMSprop(std::vector<ParamGroup> groups, const RMSpropOptions& options)
    : Optimizer("RMSprop", to_options(options)) {
  validate(defaults());
  init_groups(std::move(groups));
}

void RMSprop::validate(const Options& o) const {
  using detail::check_option;
  check_option(o.at("lr") >= 0.0, name(), "learning rate (lr)", o.at("lr"));
  check_option(o.at("eps") >= 0.0, name(), "epsilon value (eps)", o.at("eps"));
  check_option(o.at("momentum") >= 0.0, name(), "momentum value", o.at("momentum"));
  check_option(o.at("weight_decay") >= 0.0, name(), "weight_decay value", o.at("weight_decay"));
  check_option(o.at("alpha") >= 0.0, name(), "alpha value", o.at("alpha"));
}

void RMSprop::step() {
  NoGradGuard guard;
  for_each_param("RMSprop", [](Tensor& p, const Tensor& g, ParamState& s, const ParamGroup& group) {
    ops::RmspropArgs a{group.get("lr"),
                       group.get("alpha"),
                       group.get("eps"),
                       group.get("weight_decay"),
                       group.get("momentum"),
                       detail::flag(group, "centered"),
                       detail::flag(group, "maximize")};
    const Tensor& sq = zero_buffer(s, "square_avg", p);
    const Tensor& buf = a.momentum > 0 ? zero_buffer(s, "momentum_buffer", p) : ops::kNoBuffer;
    const Tensor& ga = a.centered ? zero_buffer(s, "grad_avg", p) : ops::kNoBuffer;
    s.step += 1;
    ops::rmsprop_step_(p, g, sq, ga, buf, a);
  });
}

}  // namespace keel::optim
