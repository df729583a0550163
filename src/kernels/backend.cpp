#include "kernels/backend.h"

#include "keel/core/error.h"

namespace keel::kernels {
namespace {

// How a build option names the device type ("built without CUDA").
const char* option_name(DeviceType type) {
  switch (type) {
    case DeviceType::CPU:
      return "CPU";
    case DeviceType::CUDA:
      return "CUDA";
  }
  return "?";
}

}  // namespace

const Backend* find_backend(DeviceType type) {
  switch (type) {
    case DeviceType::CPU:
      return &cpu::backend();
    case DeviceType::CUDA:
      // A CUDA backend (kernels/cuda/) returns its cuda::backend() here, under the build
      // option that compiles it.
      return nullptr;
  }
  return nullptr;
}

const Backend& backend_for(const Device& device) {
  const Backend* b = find_backend(device.type());
  KEEL_CHECK(b != nullptr, "keel was built without ", option_name(device.type()), ": cannot use device '",
             device, "' (keel::cuda::is_available() is false)");
  return *b;
}

}  // namespace keel::kernels

namespace keel::cuda {
bool is_available() { return kernels::find_backend(kCUDA) != nullptr; }
}  // namespace keel::cuda
