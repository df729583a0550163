#include <gtest/gtest.h>
#include <keel/optim/lr_scheduler.h>

#include <cmath>

#include "optim/optim_fixture.h"

using namespace keel;
using namespace keel::optim;
using nlohmann::json;

namespace {

std::unique_ptr<LRScheduler> make_scheduler(const std::string& name, const json& a, Optimizer& opt) {
  if (name == "StepLR") return std::make_unique<StepLR>(opt, a.at("step_size"), a.value("gamma", 0.1));
  if (name == "MultiStepLR")
    return std::make_unique<MultiStepLR>(opt, a.at("milestones").get<std::vector<std::int64_t>>(),
                                         a.value("gamma", 0.1));
  if (name == "ExponentialLR") return std::make_unique<ExponentialLR>(opt, a.at("gamma"));
  if (name == "CosineAnnealingLR")
    return std::make_unique<CosineAnnealingLR>(opt, a.at("T_max"), a.value("eta_min", 0.0));
  if (name == "LinearLR")
    return std::make_unique<LinearLR>(opt, a.value("start_factor", 1.0 / 3), a.value("end_factor", 1.0),
                                      a.value("total_iters", 5));
  OneCycleOptions o;
  o.pct_start = a.value("pct_start", o.pct_start);
  o.anneal_strategy = a.value("anneal_strategy", o.anneal_strategy);
  o.three_phase = a.value("three_phase", o.three_phase);
  o.div_factor = a.value("div_factor", o.div_factor);
  o.final_div_factor = a.value("final_div_factor", o.final_div_factor);
  o.base_momentum = a.value("base_momentum", o.base_momentum);
  o.max_momentum = a.value("max_momentum", o.max_momentum);
  return std::make_unique<OneCycleLR>(opt, a.at("max_lr").get<double>(),
                                      a.at("total_steps").get<std::int64_t>(), o);
}

void expect_near_rel(double got, double want, const std::string& what) {
  EXPECT_NEAR(got, want, 1e-12 + 1e-12 * std::fabs(want)) << what;
}

}  // namespace

TEST(LRScheduler, SequencesMatchPyTorch) {
  int checked = 0;
  for (const auto& c : keel::testing::optim_golden().at("schedulers")) {
    const std::string name = c.at("scheduler");
    Tensor p1 = zeros({2}).requires_grad_(), p2 = zeros({2}).requires_grad_();
    std::vector<ParamGroup> groups = {ParamGroup({p1}), ParamGroup({p2}, {{"lr", 0.05}})};
    std::unique_ptr<Optimizer> opt;
    if (c.at("optimizer") == "SGD")
      opt = std::make_unique<SGD>(groups, SGDOptions{.lr = 0.1, .momentum = 0.9});
    else
      opt = std::make_unique<Adam>(groups, AdamOptions{.lr = 0.1});
    const char* mom_key = c.at("optimizer") == "SGD" ? "momentum" : "beta1";
    const json& args = c.at("args");
    std::unique_ptr<LRScheduler> sched;
    std::unique_ptr<ReduceLROnPlateau> plateau;
    if (name == "ReduceLROnPlateau") {
      ReduceLROnPlateauOptions o;
      o.mode = args.value("mode", o.mode);
      o.factor = args.value("factor", o.factor);
      o.patience = args.value("patience", o.patience);
      o.threshold = args.value("threshold", o.threshold);
      o.threshold_mode = args.value("threshold_mode", o.threshold_mode);
      o.cooldown = args.value("cooldown", o.cooldown);
      o.min_lr = args.value("min_lr", o.min_lr);
      plateau = std::make_unique<ReduceLROnPlateau>(*opt, o);
    } else {
      sched = make_scheduler(name, args, *opt);
    }
    const auto& lrs = c.at("lrs");
    const auto& moms = c.at("momentums");
    for (std::size_t s = 0; s < lrs.size(); ++s) {
      if (s > 0) {
        if (plateau)
          plateau->step(c.at("metrics")[s - 1].get<double>());
        else
          sched->step();
      }
      std::vector<double> last = plateau ? plateau->get_last_lr() : sched->get_last_lr();
      for (std::size_t g = 0; g < 2; ++g) {
        std::string what = name + args.dump() + " step " + std::to_string(s) + " group " + std::to_string(g);
        expect_near_rel(opt->param_groups()[g].lr(), lrs[s][g].get<double>(), what + " lr");
        expect_near_rel(last[g], lrs[s][g].get<double>(), what + " get_last_lr");
        expect_near_rel(opt->param_groups()[g].get(mom_key), moms[s][g].get<double>(), what + " momentum");
      }
    }
    ++checked;
  }
  EXPECT_EQ(checked, 13);
}

TEST(LRScheduler, OneCycleRefusesStepsPastTotal) {
  Tensor p = zeros({1}).requires_grad_();
  SGD opt(std::vector<Tensor>{p}, {.lr = 0.1});
  OneCycleLR sched(opt, 1.0, 3);
  for (int i = 0; i < 3; ++i) sched.step();
  EXPECT_THROW(sched.step(), Error);
}

TEST(LRScheduler, InvalidArguments) {
  Tensor p = zeros({1}).requires_grad_();
  SGD sgd(std::vector<Tensor>{p}, {.lr = 0.1});
  Adagrad adagrad(std::vector<Tensor>{zeros({1}).requires_grad_()});
  EXPECT_THROW(OneCycleLR(adagrad, 0.1, 10), Error);  // no momentum to cycle
  EXPECT_THROW(OneCycleLR(sgd, 0.1, 0), Error);
  EXPECT_THROW(OneCycleLR(sgd, 0.1, 10, {.anneal_strategy = "exp"}), Error);
  EXPECT_THROW(ReduceLROnPlateau(sgd, {.mode = "median"}), Error);
  EXPECT_THROW(ReduceLROnPlateau(sgd, {.factor = 1.0}), Error);
  EXPECT_THROW(LinearLR(sgd, 1.5), Error);
  EXPECT_THROW(StepLR(sgd, 0), Error);
}
