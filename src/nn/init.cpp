#include "keel/nn/init.h"

#include <cmath>
#include <vector>

#include "keel/autograd/grad_mode.h"
#include "keel/tensor/factories.h"

namespace keel::nn::init {

double calculate_gain(const std::string& nl, double param) {
  if (nl == "linear" || nl == "conv1d" || nl == "conv2d" || nl == "conv3d" || nl == "conv_transpose1d" ||
      nl == "conv_transpose2d" || nl == "conv_transpose3d" || nl == "sigmoid")
    return 1.0;
  if (nl == "tanh") return 5.0 / 3.0;
  if (nl == "relu") return std::sqrt(2.0);
  if (nl == "leaky_relu") return std::sqrt(2.0 / (1.0 + param * param));
  if (nl == "selu") return 3.0 / 4.0;
  detail::fail("calculate_gain: unsupported nonlinearity '", nl,
               "' (expected linear, conv1d, conv2d, conv3d, conv_transpose1d/2d/3d, sigmoid, tanh, relu, "
               "leaky_relu or selu)");
}

std::pair<std::int64_t, std::int64_t> calculate_fan_in_and_fan_out(const Tensor& t) {
  KEEL_CHECK(t.dim() >= 2,
             "calculate_fan_in_and_fan_out: fan in and fan out can not be computed for a tensor "
             "with fewer than 2 dimensions (shape ",
             t.sizes(), ")");
  std::int64_t receptive = 1;
  for (int d = 2; d < t.dim(); ++d) receptive *= t.sizes()[d];
  return {t.sizes()[1] * receptive, t.sizes()[0] * receptive};
}

namespace {
std::int64_t fan(const Tensor& t, FanMode mode) {
  auto [in, out] = calculate_fan_in_and_fan_out(t);
  return mode == FanMode::FanIn ? in : out;
}
}  // namespace

Tensor& constant_(Tensor& t, double value) {
  NoGradGuard g;
  t.fill_(value);
  return t;
}
Tensor& zeros_(Tensor& t) { return constant_(t, 0.0); }
Tensor& ones_(Tensor& t) { return constant_(t, 1.0); }

Tensor& eye_(Tensor& t) {
  KEEL_CHECK(t.dim() == 2, "eye_: only tensors with 2 dimensions are supported, got shape ", t.sizes());
  NoGradGuard g;
  t.copy_(eye(t.sizes()[0], t.sizes()[1], t.dtype()));
  return t;
}

Tensor& uniform_(Tensor& t, double a, double b, Generator* gen) {
  NoGradGuard g;
  return keel::uniform_(t, a, b, gen);
}

Tensor& normal_(Tensor& t, double mean, double std, Generator* gen) {
  KEEL_CHECK(std >= 0, "normal_: std must be non-negative, got ", std);
  NoGradGuard g;
  return keel::normal_(t, mean, std, gen);
}

Tensor& trunc_normal_(Tensor& t, double mean, double std, double a, double b, Generator* gen) {
  KEEL_CHECK(a < b, "trunc_normal_: the lower bound a (", a, ") must be below the upper bound b (", b, ")");
  KEEL_CHECK(std > 0, "trunc_normal_: std must be positive, got ", std);
  NoGradGuard g;
  // Rejection sampling: draw N(mean, std^2) in blocks and keep values inside [a, b].
  std::int64_t n = t.numel();
  std::vector<double> kept;
  kept.reserve(static_cast<std::size_t>(n));
  while (static_cast<std::int64_t>(kept.size()) < n) {
    std::int64_t block = std::max<std::int64_t>(64, 2 * (n - static_cast<std::int64_t>(kept.size())));
    Tensor draw = randn({block}, kFloat64, gen) * std + mean;
    const double* p = draw.data_ptr<double>();
    for (std::int64_t i = 0; i < block && static_cast<std::int64_t>(kept.size()) < n; ++i)
      if (p[i] >= a && p[i] <= b) kept.push_back(p[i]);
  }
  t.copy_(from_vector(kept, t.sizes()));
  return t;
}

Tensor& xavier_uniform_(Tensor& t, double gain, Generator* gen) {
  auto [in, out] = calculate_fan_in_and_fan_out(t);
  double a = gain * std::sqrt(6.0 / static_cast<double>(in + out));
  return init::uniform_(t, -a, a, gen);
}

Tensor& xavier_normal_(Tensor& t, double gain, Generator* gen) {
  auto [in, out] = calculate_fan_in_and_fan_out(t);
  return init::normal_(t, 0.0, gain * std::sqrt(2.0 / static_cast<double>(in + out)), gen);
}

Tensor& kaiming_uniform_(Tensor& t, double a, FanMode mode, const std::string& nonlinearity, Generator* gen) {
  std::int64_t f = fan(t, mode);
  KEEL_CHECK(f > 0, "kaiming_uniform_: cannot initialize a tensor with zero fan (shape ", t.sizes(), ")");
  double bound = calculate_gain(nonlinearity, a) * std::sqrt(3.0 / static_cast<double>(f));
  return init::uniform_(t, -bound, bound, gen);
}

Tensor& kaiming_normal_(Tensor& t, double a, FanMode mode, const std::string& nonlinearity, Generator* gen) {
  std::int64_t f = fan(t, mode);
  KEEL_CHECK(f > 0, "kaiming_normal_: cannot initialize a tensor with zero fan (shape ", t.sizes(), ")");
  return init::normal_(t, 0.0, calculate_gain(nonlinearity, a) / std::sqrt(static_cast<double>(f)), gen);
}

Tensor& orthogonal_(Tensor& t, double gain, Generator* gen) {
  KEEL_CHECK(t.dim() >= 2, "orthogonal_: only tensors with 2 or more dimensions are supported, got shape ",
             t.sizes());
  if (t.numel() == 0) return t;
  const std::int64_t rows = t.sizes()[0], cols = t.numel() / rows;
  // QR of the taller orientation by modified Gram-Schmidt in float64 (done twice for
  // orthogonality to rounding), signs fixed by diag(R) as PyTorch does.
  const bool transpose = rows < cols;
  const std::int64_t m = transpose ? cols : rows, n = transpose ? rows : cols;  // m >= n
  Tensor a = randn({m, n}, kFloat64, gen).contiguous();
  std::vector<double> q(static_cast<std::size_t>(m * n));
  const double* ap = a.data_ptr<double>();
  for (std::int64_t i = 0; i < m * n; ++i) q[static_cast<std::size_t>(i)] = ap[i];
  auto at = [&](std::int64_t r, std::int64_t c) -> double& { return q[static_cast<std::size_t>(r * n + c)]; };
  for (std::int64_t j = 0; j < n; ++j) {
    for (int pass = 0; pass < 2; ++pass) {
      for (std::int64_t k = 0; k < j; ++k) {
        double dot = 0;
        for (std::int64_t r = 0; r < m; ++r) dot += at(r, k) * at(r, j);
        for (std::int64_t r = 0; r < m; ++r) at(r, j) -= dot * at(r, k);
      }
    }
    double norm = 0;
    for (std::int64_t r = 0; r < m; ++r) norm += at(r, j) * at(r, j);
    norm = std::sqrt(norm);
    // Gram-Schmidt's R has a positive diagonal, so PyTorch's sign(diag(R)) fix is the identity.
    for (std::int64_t r = 0; r < m; ++r) at(r, j) /= norm;
  }
  Tensor qt = from_vector(q, {m, n});
  if (transpose) qt = qt.t();
  NoGradGuard g;
  t.copy_((qt * gain).reshape(t.sizes()));
  return t;
}

}  // namespace keel::nn::init
