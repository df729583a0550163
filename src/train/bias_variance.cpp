// The bias-variance decomposition of K models' test predictions (see the header for the
// definitions and which of them mlxtend reports).
#include "keel/train/bias_variance.h"

#include <cmath>
#include <vector>

#include "keel/core/error.h"

namespace keel::train {

namespace {

// argmax over one probability vector; the first maximum wins, as torch.argmax.
std::int64_t argmax(const double* p, std::int64_t classes) {
  std::int64_t best = 0;
  for (std::int64_t c = 1; c < classes; ++c)
    if (p[c] > p[best]) best = c;
  return best;
}

}  // namespace

BiasVariance decompose_bias_variance(std::span<const double> probabilities, std::int64_t models,
                                     std::int64_t points, std::int64_t classes,
                                     std::span<const std::int64_t> labels) {
  KEEL_CHECK(models > 0 && points > 0 && classes > 0,
             "bias-variance decomposition: needs at least one model, test point and class; got ", models,
             " models, ", points, " points, ", classes, " classes");
  KEEL_CHECK(static_cast<std::int64_t>(probabilities.size()) == models * points * classes,
             "bias-variance decomposition: expected ", models, " x ", points, " x ", classes,
             " probabilities, got ", probabilities.size());
  KEEL_CHECK(static_cast<std::int64_t>(labels.size()) == points, "bias-variance decomposition: expected ",
             points, " labels, got ", labels.size());
  for (std::size_t i = 0; i < probabilities.size(); ++i)
    KEEL_CHECK(std::isfinite(probabilities[i]), "bias-variance decomposition: probability ", i, " (model ",
               static_cast<std::int64_t>(i) / (points * classes), ") is not finite: ", probabilities[i]);
  for (std::int64_t i = 0; i < points; ++i)
    KEEL_CHECK(labels[i] >= 0 && labels[i] < classes, "bias-variance decomposition: label ", labels[i],
               " of test point ", i, " is outside [0, ", classes, ")");

  BiasVariance d;
  d.models = models;
  d.points = points;
  d.classes = classes;
  const auto K = static_cast<double>(models);
  std::vector<double> mean(static_cast<std::size_t>(classes));
  std::vector<std::int64_t> pred(static_cast<std::size_t>(models)), votes(static_cast<std::size_t>(classes));
  auto prob = [&](std::int64_t k, std::int64_t i) {
    return probabilities.data() + (k * points + i) * classes;
  };
  for (std::int64_t i = 0; i < points; ++i) {
    const std::int64_t y = labels[i];
    // Squared error: the mean prediction, then the three sums over classes.
    std::fill(mean.begin(), mean.end(), 0.0);
    for (std::int64_t k = 0; k < models; ++k)
      for (std::int64_t c = 0; c < classes; ++c) mean[c] += prob(k, i)[c];
    for (double& m : mean) m /= K;
    double error = 0, variance = 0, bias2 = 0;
    for (std::int64_t c = 0; c < classes; ++c) {
      const double target = c == y ? 1.0 : 0.0;
      bias2 += (mean[c] - target) * (mean[c] - target);
      for (std::int64_t k = 0; k < models; ++k) {
        const double p = prob(k, i)[c];
        error += (p - target) * (p - target);
        variance += (p - mean[c]) * (p - mean[c]);
      }
    }
    d.sq_error += error / K;
    d.sq_bias2 += bias2;
    d.sq_variance += variance / K;

    // 0-1 loss: each model's class, the main prediction (most votes, smallest class on a tie).
    std::fill(votes.begin(), votes.end(), 0);
    for (std::int64_t k = 0; k < models; ++k) ++votes[pred[k] = argmax(prob(k, i), classes)];
    std::int64_t main = 0;
    for (std::int64_t c = 1; c < classes; ++c)
      if (votes[c] > votes[main]) main = c;
    double wrong = 0, off_main = 0;
    for (std::int64_t k = 0; k < models; ++k) {
      wrong += pred[k] != y;
      off_main += pred[k] != main;
    }
    d.zero_one_error += wrong / K;
    d.zero_one_variance += off_main / K;
    if (main == y) {
      d.zero_one_unbiased_variance += off_main / K;
    } else {
      d.zero_one_bias += 1;
      d.zero_one_biased_variance += (K - wrong) / K;  // the models that are right after all
    }
  }
  const auto n = static_cast<double>(points);
  for (double* v : {&d.sq_error, &d.sq_bias2, &d.sq_variance, &d.zero_one_error, &d.zero_one_bias,
                    &d.zero_one_variance, &d.zero_one_unbiased_variance, &d.zero_one_biased_variance})
    *v /= n;
  d.zero_one_net_variance = d.zero_one_error - d.zero_one_bias;
  return d;
}

BiasVariance decompose_bias_variance(const Tensor& probabilities, const Tensor& labels) {
  KEEL_CHECK(probabilities.dim() == 3 && probabilities.is_floating_point(),
             "bias-variance decomposition: expected (models, points, classes) floating probabilities, got ",
             probabilities.sizes(), " ", probabilities.dtype());
  KEEL_CHECK(labels.dim() == 1 && labels.dtype() == kInt64,
             "bias-variance decomposition: expected (points) int64 labels, got ", labels.sizes(), " ",
             labels.dtype());
  const Tensor p = probabilities.to(kFloat64).contiguous();
  const Tensor y = labels.contiguous();
  return decompose_bias_variance(
      std::span<const double>(p.data_ptr<double>(), static_cast<std::size_t>(p.numel())), p.size(0),
      p.size(1), p.size(2),
      std::span<const std::int64_t>(y.data_ptr<std::int64_t>(), static_cast<std::size_t>(y.numel())));
}

std::string dominant_term(const BiasVariance& d) { return d.sq_bias2 >= d.sq_variance ? "bias" : "variance"; }

}  // namespace keel::train
