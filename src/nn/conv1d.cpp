#include <cmath>
#include <sstream>

#include "keel/nn/conv.h"
#include "keel/nn/init.h"
#include "keel/tensor/factories.h"

namespace keel::nn {

Conv1d::Conv1d(std::int64_t in, std::int64_t out, std::int64_t kernel, std::int64_t stride_,
               std::int64_t padding_, std::int64_t dilation_, std::int64_t groups_, bool with_bias)
    : Module("Conv1d"),
      in_channels(in),
      out_channels(out),
      kernel_size(kernel),
      stride(stride_),
      padding(padding_),
      dilation(dilation_),
      groups(groups_) {
  KEEL_CHECK(groups > 0, "Conv1d: groups must be a positive integer, got ", groups);
  KEEL_CHECK(in > 0 && out > 0, "Conv1d: in_channels and out_channels must be positive, got ", in, " and ",
             out);
  KEEL_CHECK(in % groups == 0, "Conv1d: in_channels must be divisible by groups (in_channels=", in,
             ", groups=", groups, ")");
  KEEL_CHECK(out % groups == 0, "Conv1d: out_channels must be divisible by groups (out_channels=", out,
             ", groups=", groups, ")");
  KEEL_CHECK(kernel > 0, "Conv1d: kernel_size must be positive, got ", kernel);
  KEEL_CHECK(stride > 0, "Conv1d: stride must be positive, got ", stride);
  KEEL_CHECK(padding >= 0, "Conv1d: padding must be non-negative, got ", padding);
  KEEL_CHECK(dilation > 0, "Conv1d: dilation must be positive, got ", dilation);
  weight = register_parameter("weight", empty({out, in / groups, kernel}));
  if (with_bias) bias = register_parameter("bias", empty({out}));
  reset_parameters();
}

void Conv1d::reset_parameters() {
  // PyTorch's _ConvNd.reset_parameters, as Conv2d's.
  init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (bias.defined()) {
    const auto fan_in = init::calculate_fan_in_and_fan_out(weight).first;
    const double bound = fan_in > 0 ? 1.0 / std::sqrt(static_cast<double>(fan_in)) : 0.0;
    init::uniform_(bias, -bound, bound);
  }
}

Tensor Conv1d::forward(const Tensor& x) {
  try {
    return functional::conv1d(x, weight, bias, stride, padding, dilation, groups);
  } catch (const Error& e) {
    throw Error(std::string(e.what()) + " (in " + type_name() + "(" + extra_repr() + "))");
  }
}

std::string Conv1d::extra_repr() const {
  // PyTorch prints the 1-tuples: kernel_size=(3,).
  std::ostringstream os;
  os << in_channels << ", " << out_channels << ", kernel_size=(" << kernel_size << ",), stride=(" << stride
     << ",)";
  if (padding != 0) os << ", padding=(" << padding << ",)";
  if (dilation != 1) os << ", dilation=(" << dilation << ",)";
  if (groups != 1) os << ", groups=" << groups;
  if (!bias.defined()) os << ", bias=False";
  return os.str();
}

}  // namespace keel::nn
