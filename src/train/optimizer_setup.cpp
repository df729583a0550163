#include "train/optimizer_setup.h"

#include "keel/nn/penalty.h"
#include "keel/optim/adagrad.h"
#include "keel/optim/adam.h"
#include "keel/optim/adamw.h"
#include "keel/optim/rmsprop.h"
#include "keel/optim/sgd.h"

namespace keel::train::detail {

std::unique_ptr<optim::Optimizer> make_optimizer(const Config& c, std::vector<Tensor> params) {
  const std::string& name = c.get_string("optim.name");
  const double lr = c.get_double("optim.lr"), wd = c.get_double("optim.weight_decay");
  if (name == "sgd") {
    optim::SGDOptions o;
    o.lr = lr;
    o.momentum = c.get_double("optim.momentum");
    o.nesterov = c.get_bool("optim.nesterov");
    o.weight_decay = wd;
    KEEL_CHECK(!o.nesterov || o.momentum > 0, "optim.nesterov = true needs optim.momentum > 0");
    return std::make_unique<optim::SGD>(std::move(params), o);
  }
  if (name == "adam") {
    optim::AdamOptions o;
    o.lr = lr;
    o.beta1 = c.get_double("optim.beta1");
    o.beta2 = c.get_double("optim.beta2");
    o.weight_decay = wd;
    return std::make_unique<optim::Adam>(std::move(params), o);
  }
  if (name == "adamw") {
    optim::AdamWOptions o;
    o.lr = lr;
    o.beta1 = c.get_double("optim.beta1");
    o.beta2 = c.get_double("optim.beta2");
    o.weight_decay = wd;
    return std::make_unique<optim::AdamW>(std::move(params), o);
  }
  if (name == "rmsprop") {
    optim::RMSpropOptions o;
    o.lr = lr;
    o.momentum = c.get_double("optim.momentum");
    o.weight_decay = wd;
    return std::make_unique<optim::RMSprop>(std::move(params), o);
  }
  optim::AdagradOptions o;
  o.lr = lr;
  o.weight_decay = wd;
  return std::make_unique<optim::Adagrad>(std::move(params), o);
}

bool per_step_schedule(const Config& c) { return c.get_string("optim.schedule") == "onecycle"; }

std::unique_ptr<optim::LRScheduler> make_scheduler(const Config& c, optim::Optimizer& opt,
                                                   std::int64_t steps_per_epoch) {
  const std::string& kind = c.get_string("optim.schedule");
  const std::int64_t epochs = c.get_int("train.epochs");
  if (kind == "cosine") return std::make_unique<optim::CosineAnnealingLR>(opt, epochs);
  if (kind == "step")
    return std::make_unique<optim::StepLR>(opt, c.get_int("optim.step_size"), c.get_double("optim.gamma"));
  if (kind == "onecycle") {
    optim::OneCycleOptions o;
    o.cycle_momentum = opt.defaults().count("momentum") || opt.defaults().count("beta1");
    // Cycling SGD's momentum only makes sense when it uses momentum.
    if (c.get_string("optim.name") == "sgd" && c.get_double("optim.momentum") == 0) o.cycle_momentum = false;
    return std::make_unique<optim::OneCycleLR>(opt, c.get_double("optim.lr"), epochs * steps_per_epoch, o);
  }
  return nullptr;
}

Tensor penalty(const Config& c, const std::vector<Tensor>& weights) {
  const std::string& kind = c.get_string("reg.penalty");
  if (kind == "l1") return nn::l1_penalty(weights);
  if (kind == "l2") return nn::l2_penalty(weights);
  return nn::elastic_net_penalty(weights, c.get_double("reg.alpha"));
}

}  // namespace keel::train::detail
