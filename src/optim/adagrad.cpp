#include "keel/optim/adagrad.h"

#include "keel/autograd/grad_mode.h"
#include "keel/tensor/factories.h"
#include "ops/optimizer_steps.h"
#include "optim/check.h"

namespace keel::optim {

namespace {
Options to_options(const AdagradOptions& o) {
  return {{"lr", o.lr},
          {"lr_decay", o.lr_decay},
          {"weight_decay", o.weight_decay},
          {"initial_accumulator_value", o.initial_accumulator_value},
          {"eps", o.eps},
          {"maximize", o.maximize ? 1.0 : 0.0}};
}
}  // namespace

Adagrad::Adagrad(std::vector<Tensor> params, const AdagradOptions& options)
    : Adagrad(std::vector<ParamGroup>{ParamGroup(std::move(params))}, options) {}

Adagrad::Adagrad(std::vector<ParamGroup> groups, const AdagradOptions& options)
    : Optimizer("Adagrad", to_options(options)) {
  validate(defaults());
  init_groups(std::move(groups));
}

void Adagrad::validate(const Options& o) const {
  using detail::check_option;
  check_option(o.at("lr") >= 0.0, name(), "learning rate (lr)", o.at("lr"));
  check_option(o.at("lr_decay") >= 0.0, name(), "lr_decay value", o.at("lr_decay"));
  check_option(o.at("weight_decay") >= 0.0, name(), "weight_decay value", o.at("weight_decay"));
  check_option(o.at("initial_accumulator_value") >= 0.0, name(), "initial_accumulator_value value",
               o.at("initial_accumulator_value"));
  check_option(o.at("eps") >= 0.0, name(), "epsilon value (eps)", o.at("eps"));
}

void Adagrad::step() {
  NoGradGuard guard;
  for_each_param("Adagrad", [](Tensor& p, const Tensor& g, ParamState& s, const ParamGroup& group) {
    auto it = s.buffers.find("sum");
    if (it == s.buffers.end())
      it = s.buffers.emplace("sum", full(p.sizes(), group.get("initial_accumulator_value"), p.dtype())).first;
    s.step += 1;
    const double lr = group.get("lr"), lr_decay = group.get("lr_decay");
    ops::AdagradArgs a{lr / (1.0 + (static_cast<double>(s.step) - 1.0) * lr_decay), group.get("weight_decay"),
                       group.get("eps"), detail::flag(group, "maximize")};
    ops::adagrad_step_(p, g, it->second, a);
  });
}

}  // namespace keel::optim
