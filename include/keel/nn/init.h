#pragma once
// keel::nn::init (torch.nn.init): in-place initializers. They run without recording
// autograd history, so they work on parameters that require grad. Fan-in and fan-out follow
// PyTorch: for a weight of shape (out, in, k...) fan_in = in * prod(k), fan_out = out * prod(k).
#include <string>
#include <utility>

#include "keel/tensor/random.h"
#include "keel/tensor/tensor.h"

namespace keel::nn::init {

enum class FanMode { FanIn, FanOut };

// The recommended gain for a nonlinearity: linear, conv1d, conv2d, conv3d, conv_transpose*,
// sigmoid -> 1; tanh -> 5/3; relu -> sqrt(2); leaky_relu -> sqrt(2 / (1 + slope^2))
// (slope defaults to 0.01); selu -> 3/4. Unknown names are errors.
double calculate_gain(const std::string& nonlinearity, double param = 0.01);
// (fan_in, fan_out); the tensor needs at least 2 dims.
std::pair<std::int64_t, std::int64_t> calculate_fan_in_and_fan_out(const Tensor& t);

Tensor& constant_(Tensor& t, double value);
Tensor& zeros_(Tensor& t);
Tensor& ones_(Tensor& t);
Tensor& eye_(Tensor& t);  // 2-D only
Tensor& uniform_(Tensor& t, double a = 0.0, double b = 1.0, Generator* gen = nullptr);
Tensor& normal_(Tensor& t, double mean = 0.0, double std = 1.0, Generator* gen = nullptr);
// N(mean, std^2) truncated to [a, b].
Tensor& trunc_normal_(Tensor& t, double mean = 0.0, double std = 1.0, double a = -2.0, double b = 2.0,
                      Generator* gen = nullptr);
// U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out)).
Tensor& xavier_uniform_(Tensor& t, double gain = 1.0, Generator* gen = nullptr);
// N(0, std^2), std = gain * sqrt(2 / (fan_in + fan_out)).
Tensor& xavier_normal_(Tensor& t, double gain = 1.0, Generator* gen = nullptr);
// U(-bound, bound), bound = gain * sqrt(3 / fan), gain = calculate_gain(nonlinearity, a).
Tensor& kaiming_uniform_(Tensor& t, double a = 0.0, FanMode mode = FanMode::FanIn,
                         const std::string& nonlinearity = "leaky_relu", Generator* gen = nullptr);
// N(0, std^2), std = gain / sqrt(fan).
Tensor& kaiming_normal_(Tensor& t, double a = 0.0, FanMode mode = FanMode::FanIn,
                        const std::string& nonlinearity = "leaky_relu", Generator* gen = nullptr);
// A (semi-)orthogonal matrix from the QR decomposition of a normal matrix (rows = dim 0,
// columns = the rest flattened), scaled by gain.
Tensor& orthogonal_(Tensor& t, double gain = 1.0, Generator* gen = nullptr);

}  // namespace keel::nn::init
