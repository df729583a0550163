#include "keel/nn/pooling.h"

#include <sstream>

namespace keel::nn {

namespace {
const char* py_bool(bool b) { return b ? "True" : "False"; }
}  // namespace

MaxPool2d::MaxPool2d(Pair kernel, Pair stride_, Pair padding_, Pair dilation_, bool ceil)
    : Module("MaxPool2d"),
      kernel_size(kernel),
      stride(stride_.or_(kernel)),
      padding(padding_),
      dilation(dilation_),
      ceil_mode(ceil) {}

Tensor MaxPool2d::forward(const Tensor& x) {
  return functional::max_pool2d(x, kernel_size, stride, padding, dilation, ceil_mode);
}

// PyTorch prints pooling arguments as given: "kernel_size=2" or "kernel_size=(2, 3)".
std::string MaxPool2d::extra_repr() const {
  std::ostringstream os;
  os << "kernel_size=" << kernel_size.str(true) << ", stride=" << stride.str(true)
     << ", padding=" << padding.str(true) << ", dilation=" << dilation.str(true)
     << ", ceil_mode=" << py_bool(ceil_mode);
  return os.str();
}

AvgPool2d::AvgPool2d(Pair kernel, Pair stride_, Pair padding_, bool ceil, bool include_pad)
    : Module("AvgPool2d"),
      kernel_size(kernel),
      stride(stride_.or_(kernel)),
      padding(padding_),
      ceil_mode(ceil),
      count_include_pad(include_pad) {}

Tensor AvgPool2d::forward(const Tensor& x) {
  return functional::avg_pool2d(x, kernel_size, stride, padding, ceil_mode, count_include_pad);
}

std::string AvgPool2d::extra_repr() const {
  std::ostringstream os;
  os << "kernel_size=" << kernel_size.str(true) << ", stride=" << stride.str(true)
     << ", padding=" << padding.str(true);
  return os.str();
}

AdaptiveAvgPool2d::AdaptiveAvgPool2d(Pair size) : Module("AdaptiveAvgPool2d"), output_size(size) {}

Tensor AdaptiveAvgPool2d::forward(const Tensor& x) { return functional::adaptive_avg_pool2d(x, output_size); }

std::string AdaptiveAvgPool2d::extra_repr() const { return "output_size=" + output_size.str(true); }

}  // namespace keel::nn
