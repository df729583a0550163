// Tensor::device() and Tensor::to(Device): the tensor side of the device seam (in ops/, the one
// layer that reaches the kernels and their per-device backends).
#include "keel/tensor/tensor.h"
#include "kernels/backend.h"

namespace keel {

Device Tensor::device() const {
  impl();  // an undefined tensor has no device
  return Device(kCPU);
}

Tensor Tensor::to(const Device& device) const {
  // Every request goes through the registry, also the no-op ones, so that a build without a
  // backend refuses its devices at the first `to` instead of somewhere later.
  const kernels::Backend& target = kernels::backend_for(device);
  if (target.type == this->device().type()) return *this;
  // Unreachable with one backend. A second one copies here: the target allocates a Storage on
  // `device` and copies the contiguous bytes (autograd records the copy as a ToCopyBackward).
  detail::fail("Tensor::to: no copy from ", this->device(), " to ", device, " in this build");
}

}  // namespace keel
