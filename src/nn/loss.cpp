// Losses, composed from differentiable ops so their backward comes from autograd.
#include "keel/nn/loss.h"

#include "keel/autograd/node.h"
#include "keel/ops/binary_cross_entropy.h"
#include "keel/ops/elementwise.h"
#include "keel/ops/indexing.h"
#include "keel/ops/reduce.h"
#include "keel/tensor/factories.h"
#include "kernels/cpu/cross_entropy.h"
#include "kernels/cpu/softmax.h"

namespace keel::nn {

Reduction parse_reduction(const std::string& s) {
  if (s == "none") return Reduction::None;
  if (s == "mean") return Reduction::Mean;
  if (s == "sum") return Reduction::Sum;
  detail::fail("reduction: '", s, "' is not a valid value for reduction (expected none, mean or sum)");
}

namespace functional {
namespace {

Tensor reduce(const Tensor& loss, Reduction r) {
  switch (r) {
    case Reduction::None:
      return loss;
    case Reduction::Mean:
      return loss.mean();
    case Reduction::Sum:
      return loss.sum();
  }
  return loss;
}

void check_same_shape(const Tensor& input, const Tensor& target, const char* op) {
  KEEL_CHECK(input.sizes() == target.sizes(), op, ": target size ", target.sizes(),
             " must be the same as input size ", input.sizes());
}

// Moves the class dim (1) last and flattens: (N, C, d...) -> (N*d..., C); target -> (N*d...).
void flatten_classes(const Tensor& input, const Tensor& target, Tensor& x2, Tensor& t1, const char* op) {
  KEEL_CHECK(input.dim() >= 1, op, ": input must have at least 1 dimension, got a 0-dim tensor");
  KEEL_CHECK(target.dtype() == kInt64, op, ": expected target of dtype int64 (class indices), got ",
             dtype_name(target.dtype()));
  if (input.dim() == 1) {
    KEEL_CHECK(target.dim() == 0, op, ": for an input of shape ", input.sizes(),
               " expected a 0-dim target, got ", target.sizes());
    x2 = input.unsqueeze(0);
    t1 = target.reshape({1});
    return;
  }
  Dims expected;
  expected.push_back(input.sizes()[0]);
  for (int d = 2; d < input.dim(); ++d) expected.push_back(input.sizes()[d]);
  KEEL_CHECK(target.sizes() == expected, op, ": expected target of shape ", expected, " for input of shape ",
             input.sizes(), ", got ", target.sizes());
  if (input.dim() == 2) {
    x2 = input;
    t1 = target;
  } else {
    Dims order{0};
    for (int d = 2; d < input.dim(); ++d) order.push_back(d);
    order.push_back(1);
    x2 = input.permute(order).reshape({-1, input.sizes()[1]});
    t1 = target.reshape({-1});
  }
}

// Every class index in t1 (int64) is in [0, classes) or is ignore_index.
void check_targets(const Tensor& t1, std::int64_t classes, std::int64_t ignore_index, const char* op) {
  const Tensor t = t1.contiguous();
  const std::int64_t* tp = t.data_ptr<std::int64_t>();
  for (std::int64_t i = 0; i < t.numel(); ++i) {
    KEEL_CHECK(tp[i] == ignore_index || (tp[i] >= 0 && tp[i] < classes), op, ": target ", tp[i],
               " is out of bounds for ", classes, " classes");
  }
}

// Validates class indices (ignore_index aside) and returns per-element class weights.
Tensor target_weights(const Tensor& t1, std::int64_t classes, const Tensor& weight, std::int64_t ignore_index,
                      DType dtype, const char* op) {
  check_targets(t1, classes, ignore_index, op);
  Tensor valid = t1.ne(static_cast<double>(ignore_index)).to(dtype);
  if (!weight.defined()) return valid;
  KEEL_CHECK(weight.dim() == 1 && weight.numel() == classes, op,
             ": weight tensor should be defined either for all ", classes,
             " classes or no classes but got weight tensor of shape: ", weight.sizes());
  Tensor safe = where(t1.eq(static_cast<double>(ignore_index)), zeros_like(t1), t1);
  return index_select(weight.to(dtype), 0, safe) * valid;
}

Tensor reshape_like_target(const Tensor& per_elem, const Tensor& target) {
  return per_elem.reshape(target.sizes());
}

}  // namespace

Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  check_same_shape(input, target, "mse_loss");
  Tensor d = input - target;
  return reduce(d * d, reduction);
}

Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  check_same_shape(input, target, "l1_loss");
  return reduce(abs(input - target), reduction);
}

Tensor nll_loss(const Tensor& input, const Tensor& target, const Tensor& weight, std::int64_t ignore_index,
                Reduction reduction) {
  Tensor x2, t1;
  flatten_classes(input, target, x2, t1, "nll_loss");
  Tensor w = target_weights(t1, x2.sizes()[1], weight, ignore_index, input.dtype(), "nll_loss");
  Tensor safe = where(t1.eq(static_cast<double>(ignore_index)), zeros_like(t1), t1);
  Tensor picked = gather(x2, 1, safe.unsqueeze(1)).squeeze(1);
  Tensor loss = -picked * w;
  switch (reduction) {
    case Reduction::None:
      return reshape_like_target(loss, target);
    case Reduction::Sum:
      return loss.sum();
    case Reduction::Mean:
      return loss.sum() / w.sum();
  }
  return loss;
}

namespace {

// The common case of a training loop, (N, C) logits, class indices, no class weights, no
// label smoothing, mean or sum, as one node: log-softmax rows, the picked log-probabilities
// summed, and a backward of (softmax - onehot) * scale in one sweep. The composed path below
// records a dozen nodes for the same result.
bool fused_cross_entropy_applies(const Tensor& input, const Tensor& target, const Tensor& weight,
                                 Reduction reduction, double label_smoothing) {
  return input.dim() == 2 && input.is_floating_point() && target.dtype() == kInt64 && target.dim() == 1 &&
         target.size(0) == input.size(0) && !weight.defined() && label_smoothing == 0.0 &&
         reduction != Reduction::None && input.size(1) > 0;
}

Tensor fused_cross_entropy(const Tensor& input, const Tensor& target, std::int64_t ignore_index,
                           Reduction reduction) {
  const std::int64_t rows = input.size(0), classes = input.size(1);
  check_targets(target, classes, ignore_index, "cross_entropy");
  Tensor t = target.contiguous();
  const std::int64_t* tp = t.data_ptr<std::int64_t>();
  Tensor x = input.detach().contiguous();
  Tensor logp = empty(x.sizes(), x.dtype());
  kernels::softmax_rows(logp, x, rows, classes, /*log=*/true);
  std::int64_t count = 0;
  const double sum = kernels::nll_sum_rows(logp, tp, rows, classes, ignore_index, &count);
  // Mean over the rows that count, in the input's dtype like PyTorch (0/0 is NaN there too).
  const double divisor = reduction == Reduction::Mean ? static_cast<double>(count) : 1.0;
  Tensor loss =
      input.dtype() == kFloat32
          ? scalar_tensor(static_cast<double>(static_cast<float>(sum) / static_cast<float>(divisor)),
                          kFloat32)
          : scalar_tensor(sum / divisor, input.dtype());
  if (autograd::needs_grad(input)) {
    autograd::record("NllLossBackward0", loss, input,
                     [logp, t, ignore_index, divisor, rows, classes](const Tensor& g) -> autograd::Tensors {
                       Tensor gx = empty(logp.sizes(), logp.dtype());
                       const double scale = g.item() / divisor;
                       kernels::cross_entropy_backward_rows(gx, logp, t.data_ptr<std::int64_t>(), rows,
                                                            classes, ignore_index, scale);
                       return {gx};
                     });
  }
  return loss;
}

}  // namespace

Tensor cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight,
                     std::int64_t ignore_index, Reduction reduction, double label_smoothing) {
  KEEL_CHECK(label_smoothing >= 0.0 && label_smoothing <= 1.0,
             "cross_entropy: label_smoothing must be between 0.0 and 1.0. Got: ", label_smoothing);
  if (fused_cross_entropy_applies(input, target, weight, reduction, label_smoothing))
    return fused_cross_entropy(input, target, ignore_index, reduction);
  Tensor logp = log_softmax(input, input.dim() == 1 ? 0 : 1);
  Tensor nll = nll_loss(logp, target, weight, ignore_index, reduction);
  if (label_smoothing == 0.0) return nll;
  Tensor x2, t1;
  flatten_classes(logp, target, x2, t1, "cross_entropy");
  const std::int64_t classes = x2.sizes()[1];
  Tensor smooth = weight.defined() ? -(x2 * weight.to(x2.dtype())).sum({1}) : -x2.sum({1});
  Tensor valid = t1.ne(static_cast<double>(ignore_index)).to(x2.dtype());
  smooth = smooth * valid;
  Tensor ret;
  switch (reduction) {
    case Reduction::None:
      ret = reshape_like_target(smooth, target);
      break;
    case Reduction::Sum:
      ret = smooth.sum();
      break;
    case Reduction::Mean:
      ret =
          smooth.sum() / target_weights(t1, classes, weight, ignore_index, x2.dtype(), "cross_entropy").sum();
      break;
  }
  return nll * (1.0 - label_smoothing) + ret * (label_smoothing / static_cast<double>(classes));
}

Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight,
                            Reduction reduction) {
  const char* name = reduction == Reduction::None ? "none" : reduction == Reduction::Sum ? "sum" : "mean";
  return keel::binary_cross_entropy(input, target, weight, name);
}

Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target, const Tensor& weight,
                                        const Tensor& pos_weight, Reduction reduction) {
  check_same_shape(input, target, "binary_cross_entropy_with_logits");
  // log(1 + exp(-x)) computed as max(-x, 0) + log(exp(-max) + exp(-x - max)), stable for any x.
  Tensor max_val = clamp_min(-input, 0.0);
  Tensor softplus_neg = max_val + log(exp(-max_val) + exp(-input - max_val));
  Tensor loss;
  if (pos_weight.defined()) {
    Tensor log_weight = (pos_weight - 1.0) * target + 1.0;
    loss = (1.0 - target) * input + log_weight * softplus_neg;
  } else {
    loss = (1.0 - target) * input + softplus_neg;
  }
  if (weight.defined()) loss = loss * weight;
  return reduce(loss, reduction);
}

}  // namespace functional

Tensor MSELoss::forward(const Tensor& input, const Tensor& target) {
  return functional::mse_loss(input, target, reduction);
}
Tensor L1Loss::forward(const Tensor& input, const Tensor& target) {
  return functional::l1_loss(input, target, reduction);
}

CrossEntropyLoss::CrossEntropyLoss(CrossEntropyLossOptions opts)
    : Loss("CrossEntropyLoss", opts.reduction), options(std::move(opts)) {
  KEEL_CHECK(options.label_smoothing >= 0.0 && options.label_smoothing <= 1.0,
             "CrossEntropyLoss: label_smoothing must be between 0.0 and 1.0. Got: ", options.label_smoothing);
}
Tensor CrossEntropyLoss::forward(const Tensor& input, const Tensor& target) {
  return functional::cross_entropy(input, target, options.weight, options.ignore_index, reduction,
                                   options.label_smoothing);
}
Tensor NLLLoss::forward(const Tensor& input, const Tensor& target) {
  return functional::nll_loss(input, target, weight, ignore_index, reduction);
}
Tensor BCELoss::forward(const Tensor& input, const Tensor& target) {
  return functional::binary_cross_entropy(input, target, weight, reduction);
}
Tensor BCEWithLogitsLoss::forward(const Tensor& input, const Tensor& target) {
  return functional::binary_cross_entropy_with_logits(input, target, weight, pos_weight, reduction);
}

}  // namespace keel::nn
