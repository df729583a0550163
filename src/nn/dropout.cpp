#include "keel/nn/dropout.h"

#include <sstream>

#include "keel/nn/functional.h"

namespace keel::nn {

namespace {
void check_p(double p, const char* who) {
  KEEL_CHECK(p >= 0.0 && p <= 1.0, who, ": dropout probability has to be between 0 and 1, but got ", p);
}
std::string p_repr(double p) {
  std::ostringstream os;
  os << "p=" << p << ", inplace=False";
  return os.str();
}
}  // namespace

Dropout::Dropout(double p) : Module("Dropout"), p(p) { check_p(p, "Dropout"); }
Tensor Dropout::forward(const Tensor& x) { return functional::dropout(x, p, is_training()); }
std::string Dropout::extra_repr() const { return p_repr(p); }

Dropout2d::Dropout2d(double p) : Module("Dropout2d"), p(p) { check_p(p, "Dropout2d"); }
Tensor Dropout2d::forward(const Tensor& x) { return functional::dropout2d(x, p, is_training()); }
std::string Dropout2d::extra_repr() const { return p_repr(p); }

}  // namespace keel::nn
