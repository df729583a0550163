// The loss modules, and binary_cross_entropy (composed from differentiable ops); the other
// functional losses are ops (keel/ops/loss.h).
#include "keel/nn/loss.h"

#include "keel/ops/elementwise.h"

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

}  // namespace

Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight,
                            Reduction reduction) {
  check_same_shape(input, target, "binary_cross_entropy");
  {
    Tensor c = input.detach().contiguous().to(kFloat64);
    const double* p = c.data_ptr<double>();
    for (std::int64_t i = 0; i < c.numel(); ++i)
      KEEL_CHECK(p[i] >= 0.0 && p[i] <= 1.0,
                 "binary_cross_entropy: all elements of input should be between 0 and 1, got ", p[i]);
  }
  // PyTorch clamps each log at -100 so that a saturated prediction gives a finite loss.
  Tensor loss =
      -(target * clamp_min(log(input), -100.0) + (1.0 - target) * clamp_min(log(1.0 - input), -100.0));
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
