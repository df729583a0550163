#include "keel/optim/sgd.h"

#include "keel/autograd/grad_mode.h"
#include "keel/tensor/factories.h"
#include "ops/optimizer_steps.h"
#include "optim/check.h"

namespace keel::optim {

namespace {
Options to_options(const SGDOptions& o) {
  return {{"lr", o.lr},
          {"momentum", o.momentum},
          {"dampening", o.dampening},
          {"weight_decay", o.weight_decay},
          {"nesterov", o.nesterov ? 1.0 : 0.0},
          {"maximize", o.maximize ? 1.0 : 0.0}};
}
}  // namespace

SGD::SGD(std::vector<Tensor> params, const SGDOptions& options)
    : SGD(std::vector<ParamGroup>{ParamGroup(std::move(params))}, options) {}

SGD::SGD(std::vector<ParamGroup> groups, const SGDOptions& options) : Optimizer("SGD", to_options(options)) {
  KEEL_CHECK(!std::isnan(options.lr), "SGD: lr is required (PyTorch's SGD has no default learning rate)");
  validate(defaults());
  init_groups(std::move(groups));
}

void SGD::validate(const Options& o) const {
  using detail::check_option;
  double lr = o.at("lr"), momentum = o.at("momentum"), wd = o.at("weight_decay");
  check_option(lr >= 0.0, name(), "learning rate (lr)", lr);
  check_option(momentum >= 0.0, name(), "momentum value", momentum);
  check_option(wd >= 0.0, name(), "weight_decay value", wd);
  KEEL_CHECK(!(o.at("nesterov") != 0.0 && (momentum <= 0.0 || o.at("dampening") != 0.0)),
             "SGD: Nesterov momentum requires a momentum and zero dampening (momentum=", momentum,
             ", dampening=", o.at("dampening"), ")");
}

void SGD::step() {
  NoGradGuard guard;
  // A group's options are read once per step, not once per parameter: they are string-keyed
  // map lookups, and a small model's step is dominated by such bookkeeping. Reading them at
  // every step() still picks up changes made through param_groups() between steps.
  const ParamGroup* read_for = nullptr;
  ops::SgdArgs group_args{};
  for_each_param("SGD", [&](Tensor& p, const Tensor& g, ParamState& s, const ParamGroup& group) {
    if (&group != read_for) {
      group_args = {group.get("lr"),
                    group.get("momentum"),
                    group.get("dampening"),
                    group.get("weight_decay"),
                    detail::flag(group, "nesterov"),
                    detail::flag(group, "maximize"),
                    false};
      read_for = &group;
    }
    ops::SgdArgs a = group_args;
    const Tensor* buf = &ops::kNoBuffer;
    if (a.momentum != 0.0) {
      auto it = s.buffers.find("momentum_buffer");
      if (it == s.buffers.end()) {
        // The buffer starts as a copy of d_p: the kernel writes it, so it needs no zeroing.
        it = s.buffers.emplace("momentum_buffer", empty(p.sizes(), p.dtype())).first;
        a.first = true;
      }
      buf = &it->second;
    }
    ops::sgd_step_(p, g, *buf, a);
  });
}

}  // namespace keel::optim
