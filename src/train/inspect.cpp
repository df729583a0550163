#include "keel/train/inspect.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <sstream>

#include "keel/autograd/grad_mode.h"
#include "keel/nn/activation.h"
#include "keel/nn/loss.h"

namespace keel::train {

namespace {

std::string fmt(double v, const char* f = "%.3g") {
  if (std::isnan(v)) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

std::string shape_text(const Dims& d) {
  std::string s = "(";
  for (int i = 0; i < static_cast<int>(d.size()); ++i) s += (i ? ", " : "") + std::to_string(d[i]);
  return s + ")";
}

}  // namespace

InspectResult inspect_layers(nn::Sequential& model, const Tensor& input, const Tensor& target) {
  model.train();
  model.zero_grad(/*set_to_none=*/true);
  const std::size_t n = model.size();
  auto grads = std::make_shared<std::vector<Tensor>>(n);
  std::vector<Tensor> outputs;
  Tensor x = input;
  for (std::size_t i = 0; i < n; ++i) {
    x = (*model[static_cast<std::int64_t>(i)])(x);
    if (x.requires_grad() && !x.is_leaf()) {
      x.register_hook([grads, i](const Tensor& g) {
        (*grads)[i] = g;
        return Tensor();  // keep the gradient as it is
      });
    }
    outputs.push_back(x);
  }
  InspectResult r;
  Tensor loss = nn::functional::cross_entropy(x, target);
  loss.backward();
  r.loss = loss.item();

  NoGradGuard no_grad;
  for (std::size_t i = 0; i < n; ++i) {
    auto& layer = model[static_cast<std::int64_t>(i)];
    const Tensor y = outputs[i].detach().to(kFloat64);
    LayerStats s;
    s.index = static_cast<std::int64_t>(i);
    s.type = layer->type_name();
    s.output_shape = y.sizes();
    s.act_mean = y.mean().item();
    s.act_std = y.numel() > 1 ? y.std().item() : 0.0;
    if ((*grads)[i].defined()) {
      const Tensor g = (*grads)[i].to(kFloat64);
      s.grad_mean = g.mean().item();
      s.grad_std = g.numel() > 1 ? g.std().item() : 0.0;
    }
    for (const auto& [name, p] : layer->named_parameters(false)) {
      if (name != "weight" || !p.grad().defined()) continue;
      const Tensor g = p.grad().to(kFloat64);
      s.weight_grad_mean = g.mean().item();
      s.weight_grad_std = g.numel() > 1 ? g.std().item() : 0.0;
    }
    if (layer->is<nn::Sigmoid>()) {
      s.saturated = (y.lt(0.01).to(kFloat64) + y.gt(0.99).to(kFloat64)).mean().item();
    } else if (layer->is<nn::Tanh>()) {
      s.saturated = y.abs().gt(0.99).to(kFloat64).mean().item();
    } else if (layer->is<nn::ReLU>() && y.dim() >= 1 && y.size(0) > 0) {
      s.dead = y.amax({0}).eq(0.0).to(kFloat64).mean().item();
    }
    r.layers.push_back(s);
  }
  return r;
}

std::string InspectResult::to_text() const {
  std::ostringstream os;
  char line[256];
  std::snprintf(line, sizeof line, "%-5s %-12s %-18s %10s %10s %10s %10s %11s %11s %9s %6s\n", "layer",
                "type", "output", "act mean", "act std", "grad mean", "grad std", "w.grad mean", "w.grad std",
                "saturated", "dead");
  os << line;
  for (const LayerStats& s : layers) {
    std::snprintf(line, sizeof line, "%-5lld %-12s %-18s %10s %10s %10s %10s %11s %11s %9s %6s\n",
                  static_cast<long long>(s.index), s.type.c_str(), shape_text(s.output_shape).c_str(),
                  fmt(s.act_mean).c_str(), fmt(s.act_std).c_str(), fmt(s.grad_mean).c_str(),
                  fmt(s.grad_std).c_str(), fmt(s.weight_grad_mean).c_str(), fmt(s.weight_grad_std).c_str(),
                  std::isnan(s.saturated) ? "-" : fmt(s.saturated * 100, "%.1f%%").c_str(),
                  std::isnan(s.dead) ? "-" : fmt(s.dead * 100, "%.1f%%").c_str());
    os << line;
  }
  os << "loss " << fmt(loss, "%.4f") << "\n";
  // The weight-gradient std of the first and the last hidden layer with weights (the output
  // layer when there is only one hidden one) tells whether the signal reaching the first
  // layers is vanishing or exploding. The output layer itself is left out when possible: it
  // sits next to the loss and gets larger gradients in every healthy net too.
  std::vector<const LayerStats*> weighted;
  for (const LayerStats& s : layers)
    if (!std::isnan(s.weight_grad_std) && s.type.find("Norm") == std::string::npos) weighted.push_back(&s);
  const LayerStats* first = weighted.empty() ? nullptr : weighted.front();
  const LayerStats* last =
      weighted.size() >= 3 ? weighted[weighted.size() - 2] : (weighted.empty() ? nullptr : weighted.back());
  if (first && last && first != last && last->weight_grad_std > 0) {
    const double ratio = first->weight_grad_std / last->weight_grad_std;
    os << "weight-gradient std, first layer (" << first->index << ") / "
       << (weighted.size() >= 3 ? "last hidden layer (" : "output layer (") << last->index
       << "): " << fmt(ratio) << "\n";
    if (ratio < 1e-2) {
      os << "vanishing gradients: the first layers get " << fmt(1 / ratio)
         << "x smaller gradients than the last and will barely learn. Remedies: Xavier/Kaiming "
            "initialization (model.init), ReLU instead of sigmoid/tanh, batch normalization.\n";
    } else if (ratio > 1e2) {
      os << "exploding gradients: the first layers get " << fmt(ratio)
         << "x larger gradients than the last. Remedies: a smaller learning rate, gradient clipping, "
            "Xavier/Kaiming initialization, batch normalization.\n";
    }
  }
  // Saturated sigmoid/tanh units have a derivative near 0: whatever reaches them from above,
  // almost nothing passes to the weights below, unit by unit.
  std::string saturated, dead;
  double worst_saturated = 0, worst_dead = 0;
  for (const LayerStats& s : layers) {
    if (s.saturated > 0.5) {
      saturated += (saturated.empty() ? "" : ", ") + std::to_string(s.index) + " (" +
                   fmt(s.saturated * 100, "%.0f%%") + ")";
      worst_saturated = std::max(worst_saturated, s.saturated);
    }
    if (s.dead > 0.5) {
      dead += (dead.empty() ? "" : ", ") + std::to_string(s.index) + " (" + fmt(s.dead * 100, "%.0f%%") + ")";
      worst_dead = std::max(worst_dead, s.dead);
    }
  }
  if (!saturated.empty()) {
    os << "vanishing gradients through saturated units: layers " << saturated
       << " have most of their units saturated, where the activation's derivative is ~0 and almost no "
          "gradient passes. Remedies: Xavier/Kaiming initialization (model.init), batch normalization, "
          "ReLU.\n";
  }
  if (!dead.empty()) {
    os << "dead ReLUs: layers " << dead
       << " have most units at zero for the whole batch; they get no gradient. Remedies: Kaiming "
          "initialization, a smaller learning rate, LeakyReLU/ELU, batch normalization.\n";
  }
  return os.str();
}

}  // namespace keel::train
