#pragma once
#include <string>

#include "keel/nn/module.h"

namespace keel::nn {

// Zeroes elements with probability p and scales the rest by 1/(1-p) in training mode;
// the identity in eval mode. p outside [0, 1] is an error.
class Dropout : public Module {
 public:
  explicit Dropout(double p = 0.5);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  double p;
};

// Zeroes whole channels of (N, C, H, W) inputs.
class Dropout2d : public Module {
 public:
  explicit Dropout2d(double p = 0.5);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  double p;
};

}  // namespace keel::nn
