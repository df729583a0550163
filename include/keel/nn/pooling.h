#pragma once
#include <string>

#include "keel/nn/functional_conv.h"
#include "keel/nn/module.h"

namespace keel::nn {

// torch.nn.MaxPool2d; stride defaults to kernel_size.
class MaxPool2d : public Module {
 public:
  MaxPool2d(Pair kernel_size, Pair stride = Pair(), Pair padding = 0, Pair dilation = 1,
            bool ceil_mode = false);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  Pair kernel_size, stride, padding, dilation;
  bool ceil_mode;
};

// torch.nn.AvgPool2d; stride defaults to kernel_size.
class AvgPool2d : public Module {
 public:
  AvgPool2d(Pair kernel_size, Pair stride = Pair(), Pair padding = 0, bool ceil_mode = false,
            bool count_include_pad = true);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  Pair kernel_size, stride, padding;
  bool ceil_mode, count_include_pad;
};

// torch.nn.AdaptiveAvgPool2d.
class AdaptiveAvgPool2d : public Module {
 public:
  explicit AdaptiveAvgPool2d(Pair output_size);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  Pair output_size;
};

}  // namespace keel::nn
