// Device names and their parsing. Which devices a build can use is the backend registry's
// business (kernels/backend.cpp), not this file's.
#include "keel/core/device.h"

#include <charconv>
#include <ostream>

#include "keel/core/error.h"

namespace keel {
namespace {

// PyTorch keeps device indices in an int8; a larger one is a typo, not a machine.
constexpr int kMaxIndex = 127;

void check_index(DeviceType type, int index) {
  KEEL_CHECK(index >= -1 && index <= kMaxIndex, "Device: ", type, " device index must be between -1 and ",
             kMaxIndex, ", got ", index);
  KEEL_CHECK(type != kCPU || index <= 0, "Device: cpu device index must be -1 or 0, got ", index);
}

}  // namespace

const char* device_type_name(DeviceType type) {
  switch (type) {
    case DeviceType::CPU:
      return "cpu";
    case DeviceType::CUDA:
      return "cuda";
  }
  return "?";
}

std::ostream& operator<<(std::ostream& os, DeviceType type) { return os << device_type_name(type); }

Device::Device(DeviceType type, int index) : type_(type), index_(index) { check_index(type, index); }

Device::Device(const std::string& spec) : type_(kCPU), index_(-1) {
  const auto colon = spec.find(':');
  const std::string name = spec.substr(0, colon);
  if (name == "cpu") {
    type_ = kCPU;
  } else if (name == "cuda") {
    type_ = kCUDA;
  } else {
    detail::fail("Device: expected a device string like 'cpu', 'cuda' or 'cuda:0', got '", spec, "'");
  }
  if (colon != std::string::npos) {
    // Digits only: from_chars alone would take "1x" as 1, and "-1" or "+1" are not indices.
    const std::string digits = spec.substr(colon + 1);
    int index = -1;
    const char* end = digits.data() + digits.size();
    const auto [ptr, ec] = std::from_chars(digits.data(), end, index);
    KEEL_CHECK(!digits.empty() && digits[0] != '-' && ec == std::errc() && ptr == end && index <= kMaxIndex,
               "Device: expected a device index (0 to ", kMaxIndex, ") after '", name, ":', got '", spec,
               "'");
    index_ = index;
  }
  check_index(type_, index_);
}

std::string Device::str() const {
  std::string s = device_type_name(type_);
  if (has_index()) {
    // Appended in two steps: ":" + to_string() trips GCC 12's -Wrestrict false positive.
    s += ':';
    s += std::to_string(index_);
  }
  return s;
}

std::ostream& operator<<(std::ostream& os, const Device& device) { return os << device.str(); }

}  // namespace keel
