#include "keel/nn/conv.h"

#include <cmath>
#include <sstream>

#include "keel/nn/init.h"
#include "keel/tensor/factories.h"

namespace keel::nn {

Conv2d::Conv2d(std::int64_t in, std::int64_t out, Pair kernel, Pair stride_, Pair padding_, Pair dilation_,
               std::int64_t groups_, bool with_bias)
    : Module("Conv2d"),
      in_channels(in),
      out_channels(out),
      kernel_size(kernel.h, kernel.w),
      stride(stride_.h, stride_.w),
      padding(padding_.h, padding_.w),
      dilation(dilation_.h, dilation_.w),
      groups(groups_) {
  KEEL_CHECK(groups > 0, "Conv2d: groups must be a positive integer, got ", groups);
  KEEL_CHECK(in > 0 && out > 0, "Conv2d: in_channels and out_channels must be positive, got ", in, " and ",
             out);
  KEEL_CHECK(in % groups == 0, "Conv2d: in_channels must be divisible by groups (in_channels=", in,
             ", groups=", groups, ")");
  KEEL_CHECK(out % groups == 0, "Conv2d: out_channels must be divisible by groups (out_channels=", out,
             ", groups=", groups, ")");
  KEEL_CHECK(kernel.h > 0 && kernel.w > 0, "Conv2d: kernel_size must be positive, got ", kernel_size.str());
  KEEL_CHECK(stride.h > 0 && stride.w > 0, "Conv2d: stride must be positive, got ", stride.str());
  KEEL_CHECK(padding.h >= 0 && padding.w >= 0, "Conv2d: padding must be non-negative, got ", padding.str());
  KEEL_CHECK(dilation.h > 0 && dilation.w > 0, "Conv2d: dilation must be positive, got ", dilation.str());
  weight = register_parameter("weight", empty({out, in / groups, kernel.h, kernel.w}));
  if (with_bias) bias = register_parameter("bias", empty({out}));
  reset_parameters();
}

void Conv2d::reset_parameters() {
  // PyTorch's _ConvNd.reset_parameters: kaiming_uniform_(a = sqrt(5)) gives
  // U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and the bias uses the same bound.
  init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (bias.defined()) {
    auto [fan_in, fan_out] = init::calculate_fan_in_and_fan_out(weight);
    (void)fan_out;
    double bound = fan_in > 0 ? 1.0 / std::sqrt(static_cast<double>(fan_in)) : 0.0;
    init::uniform_(bias, -bound, bound);
  }
}

Tensor Conv2d::forward(const Tensor& x) {
  try {
    return functional::conv2d(x, weight, bias, stride, padding, dilation, groups);
  } catch (const Error& e) {
    throw Error(std::string(e.what()) + " (in " + type_name() + "(" + extra_repr() + "))");
  }
}

std::string Conv2d::extra_repr() const {
  std::ostringstream os;
  os << in_channels << ", " << out_channels << ", kernel_size=" << kernel_size.str()
     << ", stride=" << stride.str();
  if (!(padding == Pair(0, 0))) os << ", padding=" << padding.str();
  if (!(dilation == Pair(1, 1))) os << ", dilation=" << dilation.str();
  if (groups != 1) os << ", groups=" << groups;
  if (!bias.defined()) os << ", bias=False";
  return os.str();
}

}  // namespace keel::nn
