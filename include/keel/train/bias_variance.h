#pragma once
// The bias-variance decomposition of a classifier's test error over K models trained on
// bootstrap resamples of one training set (`keel biasvar`). Labels are taken as noise-free, so
// the error splits into bias and variance only.
//
// Squared error of the predicted class probabilities p_k(x) against the one-hot label y(x)
// (Geman, Bienenstock & Doursat 1992), with pbar(x) = mean_k p_k(x) and every term a mean over
// the test points x of a sum over the classes:
//   sq_error    = mean_x mean_k ||p_k(x) - y(x)||^2
//   sq_bias2    = mean_x ||pbar(x) - y(x)||^2
//   sq_variance = mean_x mean_k ||p_k(x) - pbar(x)||^2
// and sq_error = sq_bias2 + sq_variance exactly (up to rounding).
//
// 0-1 loss (Domingos 2000), on the predicted classes pred_k(x) = argmax_c p_k(x, c) (ties: the
// smallest class index, as torch.argmax). The main prediction main(x) is the class predicted
// most often over the K models; a tie goes to the smallest class index (numpy's
// argmax(bincount), which is what mlxtend's bias_variance_decomp does).
//   zero_one_error    = mean_x mean_k [pred_k(x) != y(x)]    (mlxtend's avg_expected_loss)
//   zero_one_bias     = mean_x [main(x) != y(x)]             (mlxtend's avg_bias)
//   zero_one_variance = mean_x mean_k [pred_k(x) != main(x)] (Domingos' variance V(x) averaged;
//                                                             mlxtend's avg_var)
// Unlike the squared error, error != bias + variance for the 0-1 loss: variance raises the
// error where the main prediction is right and lowers it where it is wrong. The net variance
// error - bias splits exactly into
//   zero_one_unbiased_variance = mean_x [main(x) == y(x)] * V(x)
//   zero_one_biased_variance   = mean_x [main(x) != y(x)] * mean_k [pred_k(x) == y(x)]
//   zero_one_net_variance      = zero_one_error - zero_one_bias = unbiased - biased
// (the biased term is Domingos' -c2 V(x) for more than two classes: only the models that leave
// a wrong main prediction for the right class lower the error; for two classes it is V(x)).
#include <cstdint>
#include <span>
#include <string>

#include "keel/tensor/tensor.h"

namespace keel::train {

struct BiasVariance {
  std::int64_t models = 0, points = 0, classes = 0;
  double sq_error = 0, sq_bias2 = 0, sq_variance = 0;
  double zero_one_error = 0, zero_one_bias = 0, zero_one_variance = 0;
  double zero_one_net_variance = 0, zero_one_unbiased_variance = 0, zero_one_biased_variance = 0;
};

// `probabilities` holds models x points x classes values (model-major: the value of model k,
// point i, class c is at (k * points + i) * classes + c); `labels` holds `points` classes in
// [0, classes). Throws keel::Error for empty or mismatched sizes, a non-finite probability or a
// label out of range. The probabilities need not sum to 1 (the identity holds for any vectors).
BiasVariance decompose_bias_variance(std::span<const double> probabilities, std::int64_t models,
                                     std::int64_t points, std::int64_t classes,
                                     std::span<const std::int64_t> labels);
// The same for a (K, n, C) floating tensor and an (n) integer tensor of labels.
BiasVariance decompose_bias_variance(const Tensor& probabilities, const Tensor& labels);

// Which term dominates the squared error: "bias" when sq_bias2 >= sq_variance, else "variance".
std::string dominant_term(const BiasVariance& d);

}  // namespace keel::train
