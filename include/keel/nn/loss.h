#pragma once
// Loss functions (torch.nn.*Loss and their functional forms), with reduction
// "none" | "mean" | "sum" and PyTorch's numerics (log-sum-exp inside CrossEntropy,
// log clamped at -100 in BCELoss, the stable softplus form in BCEWithLogits). The functional
// forms are the ops of keel/ops/loss.h, named here as in torch.nn.functional.
#include <cstdint>
#include <string>

#include "keel/nn/module.h"
#include "keel/ops/loss.h"

namespace keel::nn {

using ops::Reduction;
// Parses "none", "mean" or "sum"; anything else is an error naming the value.
Reduction parse_reduction(const std::string& s);

namespace functional {
using ops::cross_entropy;
using ops::l1_loss;
using ops::mse_loss;
using ops::nll_loss;
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight = Tensor(),
                            Reduction reduction = Reduction::Mean);
using ops::binary_cross_entropy_with_logits;
}  // namespace functional

// Loss modules hold their options; call them with (input, target).
class Loss : public Module {
 public:
  Loss(std::string type_name, Reduction reduction) : Module(std::move(type_name)), reduction(reduction) {}
  virtual Tensor forward(const Tensor& input, const Tensor& target) = 0;
  Tensor operator()(const Tensor& input, const Tensor& target) { return forward(input, target); }
  using Module::forward;
  Reduction reduction;
};

class MSELoss : public Loss {
 public:
  explicit MSELoss(Reduction reduction = Reduction::Mean) : Loss("MSELoss", reduction) {}
  Tensor forward(const Tensor& input, const Tensor& target) override;
};

class L1Loss : public Loss {
 public:
  explicit L1Loss(Reduction reduction = Reduction::Mean) : Loss("L1Loss", reduction) {}
  Tensor forward(const Tensor& input, const Tensor& target) override;
};

struct CrossEntropyLossOptions {
  Tensor weight;  // per-class weights (C), optional
  std::int64_t ignore_index = -100;
  Reduction reduction = Reduction::Mean;
  double label_smoothing = 0.0;
};

class CrossEntropyLoss : public Loss {
 public:
  explicit CrossEntropyLoss(CrossEntropyLossOptions options = {});
  Tensor forward(const Tensor& input, const Tensor& target) override;
  CrossEntropyLossOptions options;
};

class NLLLoss : public Loss {
 public:
  explicit NLLLoss(Tensor weight = Tensor(), std::int64_t ignore_index = -100,
                   Reduction reduction = Reduction::Mean)
      : Loss("NLLLoss", reduction), weight(std::move(weight)), ignore_index(ignore_index) {}
  Tensor forward(const Tensor& input, const Tensor& target) override;
  Tensor weight;
  std::int64_t ignore_index;
};

class BCELoss : public Loss {
 public:
  explicit BCELoss(Tensor weight = Tensor(), Reduction reduction = Reduction::Mean)
      : Loss("BCELoss", reduction), weight(std::move(weight)) {}
  Tensor forward(const Tensor& input, const Tensor& target) override;
  Tensor weight;
};

class BCEWithLogitsLoss : public Loss {
 public:
  explicit BCEWithLogitsLoss(Tensor weight = Tensor(), Tensor pos_weight = Tensor(),
                             Reduction reduction = Reduction::Mean)
      : Loss("BCEWithLogitsLoss", reduction), weight(std::move(weight)), pos_weight(std::move(pos_weight)) {}
  Tensor forward(const Tensor& input, const Tensor& target) override;
  Tensor weight, pos_weight;
};

}  // namespace keel::nn
