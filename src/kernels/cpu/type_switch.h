#pragma once
// KERNEL_SWITCH_*: runs a generic lambda body with `scalar_t` bound to the C++ type of a
// View's dtype. The kernels' own copy of the type switch, so they need nothing from tensor/;
// the error messages are the ones ops/ gives for the same dtypes.
#include <cstdint>

#include "keel/core/dtype.h"
#include "keel/core/error.h"

#define KERNEL_SWITCH_CASE(enum_value, type, ...) \
  case enum_value: {                              \
    using scalar_t = type;                        \
    return __VA_ARGS__();                         \
  }

#define KERNEL_SWITCH_NUMERIC(dtype, op, ...)                                              \
  [&] {                                                                                    \
    switch (dtype) {                                                                       \
      KERNEL_SWITCH_CASE(::keel::DType::Float32, float, __VA_ARGS__)                       \
      KERNEL_SWITCH_CASE(::keel::DType::Float64, double, __VA_ARGS__)                      \
      KERNEL_SWITCH_CASE(::keel::DType::Int64, std::int64_t, __VA_ARGS__)                  \
      default:                                                                             \
        ::keel::detail::fail(op, ": not supported for dtype ", ::keel::dtype_name(dtype)); \
    }                                                                                      \
  }()

#define KERNEL_SWITCH_ALL(dtype, op, ...)                                 \
  [&] {                                                                   \
    switch (dtype) {                                                      \
      KERNEL_SWITCH_CASE(::keel::DType::Float32, float, __VA_ARGS__)      \
      KERNEL_SWITCH_CASE(::keel::DType::Float64, double, __VA_ARGS__)     \
      KERNEL_SWITCH_CASE(::keel::DType::Int64, std::int64_t, __VA_ARGS__) \
      KERNEL_SWITCH_CASE(::keel::DType::Bool, bool, __VA_ARGS__)          \
    }                                                                     \
    ::keel::detail::fail(op, ": unknown dtype");                          \
  }()
