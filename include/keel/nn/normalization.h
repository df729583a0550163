#pragma once
// Normalization layers with PyTorch 1.13's options, defaults, state_dict keys and numerics:
// BatchNorm1d/2d, InstanceNorm1d/2d, LayerNorm, GroupNorm. The trailing `dtype` argument is
// PyTorch's factory kwarg: the dtype of the parameters and buffers.
#include <cstdint>
#include <optional>
#include <string>

#include "keel/nn/module.h"

namespace keel::nn {

// PyTorch's _NormBase: parameters "weight" (ones) and "bias" (zeros) when affine; buffers
// "running_mean" (zeros), "running_var" (ones) and "num_batches_tracked" (int64 0) when
// track_running_stats. momentum nullopt (PyTorch's None) is a cumulative moving average.
class NormBase : public Module {
 public:
  NormBase(std::string type_name, std::int64_t num_features, double eps, std::optional<double> momentum,
           bool affine, bool track_running_stats, DType dtype);
  std::string extra_repr() const override;
  void reset_running_stats();
  void reset_parameters();

  std::int64_t num_features;
  double eps;
  std::optional<double> momentum;
  bool affine, track_running_stats;
  Tensor weight, bias;                                    // undefined unless affine
  Tensor running_mean, running_var, num_batches_tracked;  // undefined unless tracking

 protected:
  // Throws naming the layer when the input's rank is wrong.
  virtual void check_input_dim(const Tensor& x) const = 0;
};

// Batch normalization over (N, C, *): PyTorch's _BatchNorm.
class BatchNormBase : public NormBase {
 public:
  using NormBase::NormBase;
  Tensor forward(const Tensor& x) override;
  // relu(forward(x)), fused (functional::batch_norm_relu); nn::Sequential calls it for a
  // BatchNorm directly followed by a ReLU.
  Tensor forward_relu(const Tensor& x);
  // max_pool2d(relu(forward(x)), 2), fused (functional::batch_norm_relu_max_pool2d) for
  // (N, C, H, W) input with even H and W; nn::Sequential calls it for a BatchNorm2d, a ReLU and
  // a MaxPool2d(2) in a row.
  Tensor forward_relu_max_pool2d(const Tensor& x);

 private:
  enum class Fused { kNone, kRelu, kReluMaxPool2d };
  Tensor forward_impl(const Tensor& x, Fused fused);
};

// Input (N, C) or (N, C, L).
class BatchNorm1d : public BatchNormBase {
 public:
  explicit BatchNorm1d(std::int64_t num_features, double eps = 1e-5, std::optional<double> momentum = 0.1,
                       bool affine = true, bool track_running_stats = true, DType dtype = kFloat32);

 protected:
  void check_input_dim(const Tensor& x) const override;
};

// Input (N, C, H, W).
class BatchNorm2d : public BatchNormBase {
 public:
  explicit BatchNorm2d(std::int64_t num_features, double eps = 1e-5, std::optional<double> momentum = 0.1,
                       bool affine = true, bool track_running_stats = true, DType dtype = kFloat32);

 protected:
  void check_input_dim(const Tensor& x) const override;
};

// Instance normalization: statistics per sample and channel. PyTorch's defaults: no affine
// params and no running statistics. Unbatched inputs (no N dim) are accepted.
class InstanceNormBase : public NormBase {
 public:
  InstanceNormBase(std::string type_name, std::int64_t num_features, double eps, double momentum, bool affine,
                   bool track_running_stats, DType dtype, int no_batch_dim);
  Tensor forward(const Tensor& x) override;

 private:
  int no_batch_dim_;  // rank of an unbatched input
};

// Input (N, C, L) or (C, L).
class InstanceNorm1d : public InstanceNormBase {
 public:
  explicit InstanceNorm1d(std::int64_t num_features, double eps = 1e-5, double momentum = 0.1,
                          bool affine = false, bool track_running_stats = false, DType dtype = kFloat32);

 protected:
  void check_input_dim(const Tensor& x) const override;
};

// Input (N, C, H, W) or (C, H, W).
class InstanceNorm2d : public InstanceNormBase {
 public:
  explicit InstanceNorm2d(std::int64_t num_features, double eps = 1e-5, double momentum = 0.1,
                          bool affine = false, bool track_running_stats = false, DType dtype = kFloat32);

 protected:
  void check_input_dim(const Tensor& x) const override;
};

// Normalizes over the trailing dims normalized_shape; "weight" (ones) and "bias" (zeros) of
// that shape when elementwise_affine.
class LayerNorm : public Module {
 public:
  explicit LayerNorm(Dims normalized_shape, double eps = 1e-5, bool elementwise_affine = true,
                     DType dtype = kFloat32);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  void reset_parameters();

  Dims normalized_shape;
  double eps;
  bool elementwise_affine;
  Tensor weight, bias;
};

// Statistics per sample over groups of num_channels / num_groups channels; "weight" (ones)
// and "bias" (zeros) per channel when affine. num_channels must be divisible by num_groups.
class GroupNorm : public Module {
 public:
  GroupNorm(std::int64_t num_groups, std::int64_t num_channels, double eps = 1e-5, bool affine = true,
            DType dtype = kFloat32);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  void reset_parameters();

  std::int64_t num_groups, num_channels;
  double eps;
  bool affine;
  Tensor weight, bias;
};

}  // namespace keel::nn
