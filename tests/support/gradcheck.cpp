#include "support/gradcheck.h"

#include <cmath>
#include <random>
#include <sstream>

namespace keel::testing {

namespace {
std::vector<double> values(const Tensor& t) {
  Tensor c = t.detach().to(kFloat64).contiguous();
  const double* p = c.data_ptr<double>();
  return std::vector<double>(p, p + c.numel());
}
}  // namespace

Tensor rand_input(const Dims& shape, double lo, double hi, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(lo, hi);
  std::vector<double> v(static_cast<std::size_t>(shape.numel()));
  for (double& x : v) x = u(rng);
  Tensor t = from_vector(v, shape.empty() ? Dims{} : shape);
  if (shape.empty()) t = t.reshape({});
  return t.requires_grad_();
}

double max_abs_diff(const Tensor& a, const Tensor& b) {
  if (a.sizes() != b.sizes()) return INFINITY;
  auto va = values(a), vb = values(b);
  double m = 0;
  for (std::size_t i = 0; i < va.size(); ++i) {
    double d = std::fabs(va[i] - vb[i]);
    if (std::isnan(va[i]) != std::isnan(vb[i])) return INFINITY;
    if (!std::isnan(d)) m = std::max(m, d);
  }
  return m;
}

std::string gradcheck(const Fn& f, const std::vector<Tensor>& inputs, double eps, double atol, double rtol) {
  std::ostringstream err;
  // Fixed random weights make the scalar objective sensitive to every output element.
  Tensor probe = f(inputs);
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(0.5, 1.5);
  std::vector<double> wv(static_cast<std::size_t>(probe.numel()));
  for (double& x : wv) x = u(rng);
  Tensor w = from_vector(wv).reshape(probe.sizes()).to(probe.dtype());

  for (const Tensor& in : inputs)
    if (in.requires_grad()) in.set_grad(Tensor());
  Tensor objective = (f(inputs) * w).sum();
  objective.backward();

  for (std::size_t k = 0; k < inputs.size(); ++k) {
    const Tensor& in = inputs[k];
    if (!in.requires_grad()) continue;
    if (in.dtype() != kFloat64) return "gradcheck: inputs must be float64";
    Tensor analytic = in.grad();
    std::vector<double> an = analytic.defined() ? values(analytic) : std::vector<double>(in.numel(), 0.0);
    Tensor data = in.detach();
    KEEL_CHECK(data.is_contiguous(), "gradcheck: inputs must be contiguous");
    double* p = data.data_ptr<double>();
    for (std::int64_t i = 0; i < in.numel(); ++i) {
      double orig = p[i];
      double plus, minus;
      {
        NoGradGuard g;
        p[i] = orig + eps;
        plus = (f(inputs) * w).sum().item();
        p[i] = orig - eps;
        minus = (f(inputs) * w).sum().item();
        p[i] = orig;
      }
      double numeric = (plus - minus) / (2 * eps);
      if (std::fabs(numeric - an[i]) > atol + rtol * std::fabs(numeric)) {
        err << "input " << k << " element " << i << ": analytic " << an[i] << " vs numeric " << numeric
            << "\n";
        if (err.str().size() > 2000) return err.str();
      }
    }
  }
  return err.str();
}

}  // namespace keel::testing
