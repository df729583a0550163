#pragma once
// Loss functions (torch.nn.*Loss and their functional forms), with reduction
// "none" | "mean" | "sum" and PyTorch's numerics (log-sum-exp inside CrossEntropy,
// log clamped at -100 in BCELoss, the stable softplus form in BCEWithLogits).
#include <cstdint>
#include <string>

#include "keel/nn/module.h"

namespace keel::nn {

enum class Reduction { None, Mean, Sum };
// Parses "none", "mean" or "sum"; anything else is an error naming the value.
Reduction parse_reduction(const std::string& s);

namespace functional {
Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean);
Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean);
// input (N, C) or (N, C, d...) log-probabilities; target int64 class indices (N) / (N, d...).
Tensor nll_loss(const Tensor& input, const Tensor& target, const Tensor& weight = Tensor(),
                std::int64_t ignore_index = -100, Reduction reduction = Reduction::Mean);
// input logits (N, C) or (N, C, d...); target int64 class indices.
Tensor cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight = Tensor(),
                     std::int64_t ignore_index = -100, Reduction reduction = Reduction::Mean,
                     double label_smoothing = 0.0);
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight = Tensor(),
                            Reduction reduction = Reduction::Mean);
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const Tensor& weight = Tensor(), const Tensor& pos_weight = Tensor(),
                                        Reduction reduction = Reduction::Mean);
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
