#pragma once
// Normalization ops (torch.nn.functional.batch_norm, layer_norm, instance_norm, group_norm)
// with their autograd: each is one fused forward kernel and one fused analytic backward.
// Undefined weight/bias tensors mean no affine transform; undefined running statistics mean
// none are kept. Users call them as keel::nn::functional::* (keel/nn/functional_norm.h).
#include <cstdint>

#include "keel/tensor/tensor.h"

namespace keel::ops {

// input (N, C, *). In training (or without running statistics) normalizes with the batch's
// biased variance per channel and, when given, updates running_mean/running_var in place:
// running = (1 - momentum) * running + momentum * batch (unbiased variance). Otherwise uses
// the running statistics. Training on a single value per channel is an error.
Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                  const Tensor& weight = Tensor(), const Tensor& bias = Tensor(), bool training = false,
                  double momentum = 0.1, double eps = 1e-5);

// relu(batch_norm(...)) in one pass over memory each way (the same values and gradients as
// the two ops): nn::Sequential runs a BatchNorm followed by a ReLU through it.
Tensor batch_norm_relu(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                       const Tensor& weight = Tensor(), const Tensor& bias = Tensor(), bool training = false,
                       double momentum = 0.1, double eps = 1e-5);

// max_pool2d(relu(batch_norm(...)), 2) on (N, C, H, W) input with even H and W, in two passes
// over memory each way instead of the three ops' seven: nn::Sequential runs a BatchNorm2d, a
// ReLU and a MaxPool2d(2) in a row through it. The same values; gradients equal up to the
// order of floating-point sums.
Tensor batch_norm_relu_max_pool2d(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                                  const Tensor& weight = Tensor(), const Tensor& bias = Tensor(),
                                  bool training = false, double momentum = 0.1, double eps = 1e-5);

// Normalizes over the trailing dims given by normalized_shape; weight and bias (optional) have
// that shape.
Tensor layer_norm(const Tensor& input, const Dims& normalized_shape, const Tensor& weight = Tensor(),
                  const Tensor& bias = Tensor(), double eps = 1e-5);

// input (N, C, *): statistics per (sample, channel). With use_input_stats and running
// statistics, these are updated with the average over the batch of each instance's statistics;
// without use_input_stats the running statistics normalize.
Tensor instance_norm(const Tensor& input, const Tensor& running_mean = Tensor(),
                     const Tensor& running_var = Tensor(), const Tensor& weight = Tensor(),
                     const Tensor& bias = Tensor(), bool use_input_stats = true, double momentum = 0.1,
                     double eps = 1e-5);

// input (N, C, *): statistics per (sample, group of C / num_groups channels); weight and bias
// per channel.
Tensor group_norm(const Tensor& input, std::int64_t num_groups, const Tensor& weight = Tensor(),
                  const Tensor& bias = Tensor(), double eps = 1e-5);

}  // namespace keel::ops
