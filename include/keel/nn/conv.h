#pragma once
#include <cstdint>
#include <string>

#include "keel/nn/functional_conv.h"
#include "keel/nn/module.h"

namespace keel::nn {

// 2-D convolution (torch.nn.Conv2d, zero padding). Weight (out, in / groups, kh, kw) starts as
// PyTorch's: kaiming_uniform_(a = sqrt(5)), i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with
// fan_in = in / groups * kh * kw; the bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
class Conv2d : public Module {
 public:
  Conv2d(std::int64_t in_channels, std::int64_t out_channels, Pair kernel_size, Pair stride = 1,
         Pair padding = 0, Pair dilation = 1, std::int64_t groups = 1, bool bias = true);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  void reset_parameters();

  std::int64_t in_channels, out_channels;
  Pair kernel_size, stride, padding, dilation;
  std::int64_t groups;
  Tensor weight;  // (out_channels, in_channels / groups, kh, kw)
  Tensor bias;    // (out_channels), undefined without bias
};

// 1-D convolution (torch.nn.Conv1d, zero padding) over (N, C, L) or unbatched (C, L) input.
// Weight (out, in / groups, k) and bias start as Conv2d's: U(-1/sqrt(fan_in), 1/sqrt(fan_in))
// with fan_in = in / groups * k.
class Conv1d : public Module {
 public:
  Conv1d(std::int64_t in_channels, std::int64_t out_channels, std::int64_t kernel_size,
         std::int64_t stride = 1, std::int64_t padding = 0, std::int64_t dilation = 1,
         std::int64_t groups = 1, bool bias = true);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  void reset_parameters();

  std::int64_t in_channels, out_channels, kernel_size, stride, padding, dilation, groups;
  Tensor weight;  // (out_channels, in_channels / groups, kernel_size)
  Tensor bias;    // (out_channels), undefined without bias
};

}  // namespace keel::nn
