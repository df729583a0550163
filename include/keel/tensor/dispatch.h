#pragma once
// KEEL_DISPATCH_*: runs a generic lambda body with `scalar_t` bound to the C++ type of a
// dtype (PyTorch's AT_DISPATCH). Internal to kernels and ops; not part of the umbrella.
#include <cstdint>

#include "keel/core/error.h"
#include "keel/tensor/dtype.h"

#define KEEL_DISPATCH_CASE(enum_value, type, ...) \
  case enum_value: {                              \
    using scalar_t = type;                        \
    return __VA_ARGS__();                         \
  }

#define KEEL_DISPATCH_FLOATING(dtype, op, ...)                                                           \
  [&] {                                                                                                  \
    switch (dtype) {                                                                                     \
      KEEL_DISPATCH_CASE(::keel::DType::Float32, float, __VA_ARGS__)                                     \
      KEEL_DISPATCH_CASE(::keel::DType::Float64, double, __VA_ARGS__)                                    \
      default:                                                                                           \
        ::keel::detail::fail(op, ": expected a floating-point tensor, got ", ::keel::dtype_name(dtype)); \
    }                                                                                                    \
  }()

#define KEEL_DISPATCH_NUMERIC(dtype, op, ...)                                              \
  [&] {                                                                                    \
    switch (dtype) {                                                                       \
      KEEL_DISPATCH_CASE(::keel::DType::Float32, float, __VA_ARGS__)                       \
      KEEL_DISPATCH_CASE(::keel::DType::Float64, double, __VA_ARGS__)                      \
      KEEL_DISPATCH_CASE(::keel::DType::Int64, std::int64_t, __VA_ARGS__)                  \
      default:                                                                             \
        ::keel::detail::fail(op, ": not supported for dtype ", ::keel::dtype_name(dtype)); \
    }                                                                                      \
  }()

#define KEEL_DISPATCH_ALL(dtype, op, ...)                                 \
  [&] {                                                                   \
    switch (dtype) {                                                      \
      KEEL_DISPATCH_CASE(::keel::DType::Float32, float, __VA_ARGS__)      \
      KEEL_DISPATCH_CASE(::keel::DType::Float64, double, __VA_ARGS__)     \
      KEEL_DISPATCH_CASE(::keel::DType::Int64, std::int64_t, __VA_ARGS__) \
      KEEL_DISPATCH_CASE(::keel::DType::Bool, bool, __VA_ARGS__)          \
    }                                                                     \
    ::keel::detail::fail(op, ": unknown dtype");                          \
  }()
