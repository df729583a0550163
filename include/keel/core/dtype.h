#pragma once
// The element types keel supports, their sizes and names. Kept below tensor/ so that the
// kernels, which see raw views and never a Tensor, share them.
#include <cstddef>
#include <cstdint>
#include <iosfwd>

namespace keel {

// The element types keel supports. float32 is the default, as in PyTorch.
enum class DType : std::uint8_t { Float32, Float64, Int64, Bool };

inline constexpr DType kFloat32 = DType::Float32;
inline constexpr DType kFloat = DType::Float32;
inline constexpr DType kFloat64 = DType::Float64;
inline constexpr DType kDouble = DType::Float64;
inline constexpr DType kInt64 = DType::Int64;
inline constexpr DType kLong = DType::Int64;
inline constexpr DType kBool = DType::Bool;

constexpr std::size_t element_size(DType t) {
  switch (t) {
    case DType::Float32:
      return 4;
    case DType::Float64:
      return 8;
    case DType::Int64:
      return 8;
    case DType::Bool:
      return 1;
  }
  return 0;
}
constexpr bool is_floating_point(DType t) { return t == DType::Float32 || t == DType::Float64; }
const char* dtype_name(DType t);  // "float32", "float64", "int64", "bool"
std::ostream& operator<<(std::ostream& os, DType t);

template <class T>
constexpr DType dtype_of();
template <>
constexpr DType dtype_of<float>() {
  return DType::Float32;
}
template <>
constexpr DType dtype_of<double>() {
  return DType::Float64;
}
template <>
constexpr DType dtype_of<std::int64_t>() {
  return DType::Int64;
}
template <>
constexpr DType dtype_of<bool>() {
  return DType::Bool;
}

}  // namespace keel
