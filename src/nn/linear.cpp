#include "keel/nn/linear.h"

#include <cmath>
#include <sstream>

#include "keel/nn/functional.h"
#include "keel/nn/init.h"
#include "keel/tensor/factories.h"

namespace keel::nn {

Linear::Linear(std::int64_t in, std::int64_t out, bool with_bias)
    : Module("Linear"), in_features(in), out_features(out) {
  KEEL_CHECK(in > 0 && out > 0, "Linear: in_features and out_features must be positive, got ", in, " and ",
             out);
  weight = register_parameter("weight", empty({out, in}));
  if (with_bias) bias = register_parameter("bias", empty({out}));
  reset_parameters();
}

void Linear::reset_parameters() {
  init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (bias.defined()) {
    double bound = 1.0 / std::sqrt(static_cast<double>(in_features));
    init::uniform_(bias, -bound, bound);
  }
}

Tensor Linear::forward(const Tensor& x) { return functional::linear(x, weight, bias); }

std::string Linear::extra_repr() const {
  std::ostringstream os;
  os << "in_features=" << in_features << ", out_features=" << out_features
     << ", bias=" << (bias.defined() ? "True" : "False");
  return os.str();
}

std::string Flatten::extra_repr() const {
  std::ostringstream os;
  os << "start_dim=" << start_dim << ", end_dim=" << end_dim;
  return os.str();
}

}  // namespace keel::nn
