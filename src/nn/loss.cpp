// The loss modules; the functional losses are ops (keel/ops/loss.h,
// keel/ops/binary_cross_entropy.h).
#include "keel/nn/loss.h"

#include "keel/ops/binary_cross_entropy.h"

namespace keel::nn {

Reduction parse_reduction(const std::string& s) {
  if (s == "none") return Reduction::None;
  if (s == "mean") return Reduction::Mean;
  if (s == "sum") return Reduction::Sum;
  detail::fail("reduction: '", s, "' is not a valid value for reduction (expected none, mean or sum)");
}

namespace functional {

Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight,
                            Reduction reduction) {
  const char* name = reduction == Reduction::None ? "none" : reduction == Reduction::Sum ? "sum" : "mean";
  return keel::binary_cross_entropy(input, target, weight, name);
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
