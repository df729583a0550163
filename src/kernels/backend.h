#pragma once
// The backend registry: one entry per device type, and the one place that maps a Device to
// the code that runs on it. kernels/cpu/ registers the CPU backend; a CUDA backend is a
// folder beside it (kernels/cuda/) that fills the kCUDA slot in backend.cpp. Tensor::to(Device)
// and keel::cuda::is_available() ask here, so nothing else in keel names a device type.
#include "keel/core/device.h"

namespace keel::kernels {

struct Backend {
  DeviceType type;
  const char* name;  // "cpu"
  // A second backend adds what moving data needs here (allocate, copy to and from the host).
};

// The backend of `type` in this build, or nullptr when keel was built without it.
const Backend* find_backend(DeviceType type);

// The backend that runs tensors on `device`; throws keel::Error when this build lacks it
// ("keel was built without CUDA").
const Backend& backend_for(const Device& device);

namespace cpu {
const Backend& backend();
}  // namespace cpu

}  // namespace keel::kernels
