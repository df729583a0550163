#pragma once
// Shared by the optim tests: the golden file and the small model the generator trained.
#include <keel/keel.h>
#include <keel/optim/adagrad.h>
#include <keel/optim/adam.h>
#include <keel/optim/adamw.h>
#include <keel/optim/rmsprop.h>
#include <keel/optim/sgd.h>

#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "support/golden.h"

namespace keel::testing {

inline const nlohmann::json& optim_golden() {
  static const nlohmann::json doc = [] {
    std::ifstream in(std::string(KEEL_GOLDEN_DIR) + "/optim.json");
    if (!in) throw Error("golden: cannot open optim.json");
    return nlohmann::json::parse(in);
  }();
  return doc;
}

inline DType parse_dt(const std::string& s) { return s == "float64" ? kFloat64 : kFloat32; }

// Linear(4,3) + ReLU + Linear(3,2) with the generator's weights, as four leaf tensors.
struct TinyMlp {
  explicit TinyMlp(DType dt) {
    const auto& m = optim_golden().at("model");
    for (const char* k : {"W1", "b1", "W2", "b2"})
      params.push_back(tensor_from_json(m.at(k)).to(dt).clone().requires_grad_());
    x = tensor_from_json(m.at("x")).to(dt);
    y = tensor_from_json(m.at("y")).to(dt);
  }
  // mse_loss(model(x), y), mean reduction.
  Tensor loss() const {
    Tensor h = relu(matmul(x, params[0].t()) + params[1]);
    Tensor d = matmul(h, params[2].t()) + params[3] - y;
    return (d * d).sum() / static_cast<double>(d.numel());
  }
  std::vector<Tensor> params;
  Tensor x, y;
};

inline bool opt_flag(const nlohmann::json& o, const char* k) { return o.value(k, false); }

// Builds the optimizer a golden case names, with its options (keel's option names).
inline std::unique_ptr<optim::Optimizer> make_optimizer(const std::string& name, const nlohmann::json& o,
                                                        std::vector<optim::ParamGroup> groups) {
  using namespace optim;
  if (name == "SGD") {
    SGDOptions s{.lr = o.at("lr").get<double>()};
    s.momentum = o.value("momentum", 0.0);
    s.dampening = o.value("dampening", 0.0);
    s.weight_decay = o.value("weight_decay", 0.0);
    s.nesterov = opt_flag(o, "nesterov");
    s.maximize = opt_flag(o, "maximize");
    return std::make_unique<SGD>(std::move(groups), s);
  }
  if (name == "Adam" || name == "AdamW") {
    AdamWOptions a;
    if (name == "Adam") a.weight_decay = 0.0;
    a.lr = o.value("lr", a.lr);
    a.beta1 = o.value("beta1", a.beta1);
    a.beta2 = o.value("beta2", a.beta2);
    a.eps = o.value("eps", a.eps);
    a.weight_decay = o.value("weight_decay", a.weight_decay);
    a.amsgrad = opt_flag(o, "amsgrad");
    a.maximize = opt_flag(o, "maximize");
    if (name == "AdamW") return std::make_unique<AdamW>(std::move(groups), a);
    return std::make_unique<Adam>(
        std::move(groups), AdamOptions{a.lr, a.beta1, a.beta2, a.eps, a.weight_decay, a.amsgrad, a.maximize});
  }
  if (name == "RMSprop") {
    RMSpropOptions r;
    r.lr = o.value("lr", r.lr);
    r.alpha = o.value("alpha", r.alpha);
    r.eps = o.value("eps", r.eps);
    r.weight_decay = o.value("weight_decay", r.weight_decay);
    r.momentum = o.value("momentum", r.momentum);
    r.centered = opt_flag(o, "centered");
    r.maximize = opt_flag(o, "maximize");
    return std::make_unique<RMSprop>(std::move(groups), r);
  }
  AdagradOptions a;
  a.lr = o.value("lr", a.lr);
  a.lr_decay = o.value("lr_decay", a.lr_decay);
  a.weight_decay = o.value("weight_decay", a.weight_decay);
  a.initial_accumulator_value = o.value("initial_accumulator_value", a.initial_accumulator_value);
  a.eps = o.value("eps", a.eps);
  a.maximize = opt_flag(o, "maximize");
  return std::make_unique<Adagrad>(std::move(groups), a);
}

// The case's parameter groups over `params` (one group of all when the case has none).
inline std::vector<optim::ParamGroup> case_groups(const nlohmann::json& c,
                                                  const std::vector<Tensor>& params) {
  if (!c.contains("groups")) return {optim::ParamGroup(params)};
  std::vector<optim::ParamGroup> groups;
  for (const auto& g : c.at("groups")) {
    optim::ParamGroup pg;
    for (int i : g[0]) pg.params.push_back(params[i]);
    for (const auto& [k, v] : g[1].items())
      pg.options[k] = v.is_boolean() ? (v.get<bool>() ? 1.0 : 0.0) : v.get<double>();
    groups.push_back(pg);
  }
  return groups;
}

}  // namespace keel::testing
