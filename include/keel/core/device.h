#pragma once
// keel::Device: where a tensor's data lives, spelled as in PyTorch: Device("cpu"),
// Device("cuda"), Device("cuda:1"), or Device(kCUDA, 1).
//
// keel computes on the CPU only today. The device is the seam a second backend plugs into:
// Tensor::to(Device) and the queries below ask the backend registry (kernels/backend.h), which
// has one entry per device type, so a CUDA backend is a folder beside kernels/cpu/ that
// registers there. A build without it refuses CUDA devices with "keel was built without CUDA".
#include <cstdint>
#include <iosfwd>
#include <string>

namespace keel {

enum class DeviceType : std::uint8_t { CPU, CUDA };

inline constexpr DeviceType kCPU = DeviceType::CPU;
inline constexpr DeviceType kCUDA = DeviceType::CUDA;

const char* device_type_name(DeviceType type);  // "cpu", "cuda"
std::ostream& operator<<(std::ostream& os, DeviceType type);

class Device {
 public:
  // A device of `type`; index -1 means "the current device of that type" (PyTorch's None).
  // A CPU index must be -1 or 0; a CUDA index must be >= -1. Implicit, as in PyTorch, so
  // `x.to(kCPU)` reads naturally.
  Device(DeviceType type, int index = -1);  // NOLINT: implicit, as in PyTorch
  // Parses "cpu", "cpu:0", "cuda", "cuda:N"; anything else throws keel::Error naming the string.
  Device(const std::string& spec);                                     // NOLINT: implicit, as in PyTorch
  Device(const char* spec) : Device(std::string(spec ? spec : "")) {}  // NOLINT: implicit, as in PyTorch

  DeviceType type() const { return type_; }
  int index() const { return index_; }  // -1 when none was given
  bool has_index() const { return index_ >= 0; }
  bool is_cpu() const { return type_ == kCPU; }
  bool is_cuda() const { return type_ == kCUDA; }
  std::string str() const;  // "cpu", "cuda:1": reads back to an equal Device

  // As in PyTorch, Device("cuda") and Device("cuda:0") differ: one names no index.
  bool operator==(const Device& other) const = default;

 private:
  DeviceType type_;
  int index_;
};

std::ostream& operator<<(std::ostream& os, const Device& device);

namespace cuda {
// Whether this build has a CUDA backend (and so whether Device("cuda") tensors can exist).
// Answered by the backend registry (src/kernels/backend.cpp).
bool is_available();
}  // namespace cuda

namespace cpu {
// The SIMD target the CPU kernels dispatch to on this machine: "AVX-512", "AVX2" or the
// "SSE2" baseline (kernels/cpu/dispatch.h picks it at run time; defined by the CPU backend,
// src/kernels/cpu/backend.cpp).
const char* simd_target();
}  // namespace cpu

}  // namespace keel
