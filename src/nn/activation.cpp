#include "keel/nn/activation.h"

#include <sstream>

#include "keel/ops/elementwise.h"
#include "keel/ops/reduce.h"

namespace keel::nn {

namespace {
template <class T>
std::string kv(const char* key, const T& value) {
  std::ostringstream os;
  os << key << "=" << value;
  return os.str();
}
}  // namespace

Tensor ReLU::forward(const Tensor& x) { return relu(x); }
Tensor LeakyReLU::forward(const Tensor& x) { return leaky_relu(x, negative_slope); }
std::string LeakyReLU::extra_repr() const { return kv("negative_slope", negative_slope); }
Tensor Sigmoid::forward(const Tensor& x) { return sigmoid(x); }
Tensor Tanh::forward(const Tensor& x) { return keel::tanh(x); }

GELU::GELU(std::string approx) : Module("GELU"), approximate(std::move(approx)) {
  KEEL_CHECK(approximate == "none" || approximate == "tanh",
             "GELU: approximate must be 'none' or 'tanh', got '", approximate, "'");
}
Tensor GELU::forward(const Tensor& x) { return gelu(x, approximate); }
std::string GELU::extra_repr() const { return "approximate='" + approximate + "'"; }

Tensor ELU::forward(const Tensor& x) { return elu(x, alpha); }
std::string ELU::extra_repr() const { return kv("alpha", alpha); }

Tensor Softmax::forward(const Tensor& x) { return softmax(x, dim); }
std::string Softmax::extra_repr() const { return kv("dim", dim); }
Tensor LogSoftmax::forward(const Tensor& x) { return log_softmax(x, dim); }
std::string LogSoftmax::extra_repr() const { return kv("dim", dim); }

}  // namespace keel::nn
