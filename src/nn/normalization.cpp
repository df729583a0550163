#include "keel/nn/normalization.h"

#include <sstream>

#include "keel/autograd/grad_mode.h"
#include "keel/nn/functional_norm.h"
#include "keel/tensor/factories.h"

namespace keel::nn {

namespace {
const char* py_bool(bool b) { return b ? "True" : "False"; }

// "BatchNorm1d(3)": how error messages name a layer.
std::string layer_name(const Module& m, std::int64_t features) {
  std::ostringstream os;
  os << m.type_name() << "(" << features << ")";
  return os.str();
}
}  // namespace

// ---- NormBase ----------------------------------------------------------------------------------

NormBase::NormBase(std::string type_name, std::int64_t num_features, double eps,
                   std::optional<double> momentum, bool affine, bool track_running_stats, DType dtype)
    : Module(std::move(type_name)),
      num_features(num_features),
      eps(eps),
      momentum(momentum),
      affine(affine),
      track_running_stats(track_running_stats) {
  KEEL_CHECK(num_features > 0, this->type_name(), ": num_features must be positive, got ", num_features);
  KEEL_CHECK(is_floating_point(dtype), this->type_name(), ": dtype must be floating point, got ",
             dtype_name(dtype));
  if (affine) {
    weight = register_parameter("weight", ones({num_features}, dtype));
    bias = register_parameter("bias", zeros({num_features}, dtype));
  }
  if (track_running_stats) {
    running_mean = register_buffer("running_mean", zeros({num_features}, dtype));
    running_var = register_buffer("running_var", ones({num_features}, dtype));
    num_batches_tracked = register_buffer("num_batches_tracked", zeros({}, kInt64));
  }
}

void NormBase::reset_running_stats() {
  if (!track_running_stats) return;
  NoGradGuard guard;
  running_mean.zero_();
  running_var.fill_(1.0);
  num_batches_tracked.zero_();
}

void NormBase::reset_parameters() {
  reset_running_stats();
  if (!affine) return;
  NoGradGuard guard;
  weight.fill_(1.0);
  bias.zero_();
}

std::string NormBase::extra_repr() const {
  std::ostringstream os;
  os << num_features << ", eps=" << eps << ", momentum=";
  if (momentum) {
    os << *momentum;
  } else {
    os << "None";
  }
  os << ", affine=" << py_bool(affine) << ", track_running_stats=" << py_bool(track_running_stats);
  return os.str();
}

// ---- batch norm --------------------------------------------------------------------------------

Tensor BatchNormBase::forward(const Tensor& x) { return forward_impl(x, Fused::kNone); }
Tensor BatchNormBase::forward_relu(const Tensor& x) { return forward_impl(x, Fused::kRelu); }
Tensor BatchNormBase::forward_relu_max_pool2d(const Tensor& x) {
  return forward_impl(x, Fused::kReluMaxPool2d);
}

Tensor BatchNormBase::forward_impl(const Tensor& x, Fused fused) {
  check_input_dim(x);
  KEEL_CHECK(x.size(1) == num_features, layer_name(*this, num_features), ": expected input with ",
             num_features, " channels (dim 1), got input of shape ", x.sizes());
  double factor = momentum.value_or(0.0);
  if (is_training() && track_running_stats) {
    num_batches_tracked.add_(1.0);
    // momentum None: a cumulative moving average over the batches seen so far.
    if (!momentum) factor = 1.0 / static_cast<double>(num_batches_tracked.item<std::int64_t>());
  }
  // Eval mode uses running statistics only when they are kept.
  bool use_batch_stats = is_training() || !track_running_stats;
  bool pass_running = !is_training() || track_running_stats;
  auto fn = fused == Fused::kRelu            ? &functional::batch_norm_relu
            : fused == Fused::kReluMaxPool2d ? &functional::batch_norm_relu_max_pool2d
                                             : &functional::batch_norm;
  return fn(x, pass_running ? running_mean : Tensor(), pass_running ? running_var : Tensor(), weight, bias,
            use_batch_stats, factor, eps);
}

BatchNorm1d::BatchNorm1d(std::int64_t num_features, double eps, std::optional<double> momentum, bool affine,
                         bool track_running_stats, DType dtype)
    : BatchNormBase("BatchNorm1d", num_features, eps, momentum, affine, track_running_stats, dtype) {}

void BatchNorm1d::check_input_dim(const Tensor& x) const {
  KEEL_CHECK(x.dim() == 2 || x.dim() == 3, layer_name(*this, num_features), ": expected 2D or 3D input (got ",
             x.dim(), "D input of shape ", x.sizes(), ")");
}

BatchNorm2d::BatchNorm2d(std::int64_t num_features, double eps, std::optional<double> momentum, bool affine,
                         bool track_running_stats, DType dtype)
    : BatchNormBase("BatchNorm2d", num_features, eps, momentum, affine, track_running_stats, dtype) {}

void BatchNorm2d::check_input_dim(const Tensor& x) const {
  KEEL_CHECK(x.dim() == 4, layer_name(*this, num_features), ": expected 4D input (got ", x.dim(),
             "D input of shape ", x.sizes(), ")");
}

// ---- instance norm -----------------------------------------------------------------------------

InstanceNormBase::InstanceNormBase(std::string type_name, std::int64_t num_features, double eps,
                                   double momentum, bool affine, bool track_running_stats, DType dtype,
                                   int no_batch_dim)
    : NormBase(std::move(type_name), num_features, eps, momentum, affine, track_running_stats, dtype),
      no_batch_dim_(no_batch_dim) {}

Tensor InstanceNormBase::forward(const Tensor& x) {
  check_input_dim(x);
  int feature_dim = x.dim() - no_batch_dim_;
  // Like PyTorch, a channel mismatch only matters when there are per-channel params or stats.
  KEEL_CHECK(x.size(feature_dim) == num_features || (!affine && !track_running_stats),
             layer_name(*this, num_features), ": expected input's size at dim=", feature_dim,
             " to match num_features (", num_features, "), but got: ", x.size(feature_dim),
             " (input of shape ", x.sizes(), ")");
  const bool unbatched = x.dim() == no_batch_dim_;
  Tensor in = unbatched ? x.unsqueeze(0) : x;
  Tensor y = functional::instance_norm(in, running_mean, running_var, weight, bias,
                                       is_training() || !track_running_stats, momentum.value_or(0.1), eps);
  return unbatched ? y.squeeze(0) : y;
}

InstanceNorm1d::InstanceNorm1d(std::int64_t num_features, double eps, double momentum, bool affine,
                               bool track_running_stats, DType dtype)
    : InstanceNormBase("InstanceNorm1d", num_features, eps, momentum, affine, track_running_stats, dtype, 2) {
}

void InstanceNorm1d::check_input_dim(const Tensor& x) const {
  KEEL_CHECK(x.dim() == 2 || x.dim() == 3, layer_name(*this, num_features), ": expected 2D or 3D input (got ",
             x.dim(), "D input of shape ", x.sizes(), ")");
}

InstanceNorm2d::InstanceNorm2d(std::int64_t num_features, double eps, double momentum, bool affine,
                               bool track_running_stats, DType dtype)
    : InstanceNormBase("InstanceNorm2d", num_features, eps, momentum, affine, track_running_stats, dtype, 3) {
}

void InstanceNorm2d::check_input_dim(const Tensor& x) const {
  KEEL_CHECK(x.dim() == 3 || x.dim() == 4, layer_name(*this, num_features), ": expected 3D or 4D input (got ",
             x.dim(), "D input of shape ", x.sizes(), ")");
}

// ---- layer norm --------------------------------------------------------------------------------

LayerNorm::LayerNorm(Dims normalized_shape, double eps, bool elementwise_affine, DType dtype)
    : Module("LayerNorm"),
      normalized_shape(normalized_shape),
      eps(eps),
      elementwise_affine(elementwise_affine) {
  KEEL_CHECK(!normalized_shape.empty(), "LayerNorm: normalized_shape must have at least one dim");
  for (std::int64_t d : normalized_shape)
    KEEL_CHECK(d >= 0, "LayerNorm: normalized_shape must not be negative, got ", normalized_shape);
  KEEL_CHECK(is_floating_point(dtype), "LayerNorm: dtype must be floating point, got ", dtype_name(dtype));
  if (elementwise_affine) {
    weight = register_parameter("weight", ones(normalized_shape, dtype));
    bias = register_parameter("bias", zeros(normalized_shape, dtype));
  }
}

void LayerNorm::reset_parameters() {
  if (!elementwise_affine) return;
  NoGradGuard guard;
  weight.fill_(1.0);
  bias.zero_();
}

Tensor LayerNorm::forward(const Tensor& x) {
  return functional::layer_norm(x, normalized_shape, weight, bias, eps);
}

std::string LayerNorm::extra_repr() const {
  std::ostringstream os;
  os << "(";
  for (int i = 0; i < normalized_shape.size(); ++i) os << (i ? ", " : "") << normalized_shape[i];
  os << (normalized_shape.size() == 1 ? ",)" : ")") << ", eps=" << eps
     << ", elementwise_affine=" << py_bool(elementwise_affine);
  return os.str();
}

// ---- group norm --------------------------------------------------------------------------------

GroupNorm::GroupNorm(std::int64_t num_groups, std::int64_t num_channels, double eps, bool affine, DType dtype)
    : Module("GroupNorm"), num_groups(num_groups), num_channels(num_channels), eps(eps), affine(affine) {
  KEEL_CHECK(num_groups > 0 && num_channels > 0,
             "GroupNorm: num_groups and num_channels must be positive, got ", num_groups, " and ",
             num_channels);
  KEEL_CHECK(num_channels % num_groups == 0, "GroupNorm: num_channels must be divisible by num_groups (got ",
             num_channels, " channels and ", num_groups, " groups)");
  KEEL_CHECK(is_floating_point(dtype), "GroupNorm: dtype must be floating point, got ", dtype_name(dtype));
  if (affine) {
    weight = register_parameter("weight", ones({num_channels}, dtype));
    bias = register_parameter("bias", zeros({num_channels}, dtype));
  }
}

void GroupNorm::reset_parameters() {
  if (!affine) return;
  NoGradGuard guard;
  weight.fill_(1.0);
  bias.zero_();
}

Tensor GroupNorm::forward(const Tensor& x) {
  KEEL_CHECK(x.dim() >= 2 && x.size(1) == num_channels, "GroupNorm(", num_groups, ", ", num_channels,
             "): expected input of shape (N, ", num_channels, ", *), got ", x.sizes());
  return functional::group_norm(x, num_groups, weight, bias, eps);
}

std::string GroupNorm::extra_repr() const {
  std::ostringstream os;
  os << num_groups << ", " << num_channels << ", eps=" << eps << ", affine=" << py_bool(affine);
  return os.str();
}

}  // namespace keel::nn
