// Binary elementwise loops. This file is compiled once per SIMD target by Highway
// (foreach_target), so the plain loops below are auto-vectorized for SSE2, AVX2 and AVX-512
// and the best one is picked at run time.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/cpu/binary.cpp"
#include "kernels/cpu/binary.h"

#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include <cmath>
#include <cstdint>

HWY_BEFORE_NAMESPACE();
namespace keel::kernels {
namespace HWY_NAMESPACE {

struct AddF {
  template <class T>
  T operator()(T a, T b, T alpha) const {
    return a + alpha * b;
  }
};
struct SubF {
  template <class T>
  T operator()(T a, T b, T alpha) const {
    return a - alpha * b;
  }
};
struct MulF {
  template <class T>
  T operator()(T a, T b, T) const {
    return a * b;
  }
};
struct DivF {
  template <class T>
  T operator()(T a, T b, T) const {
    return a / b;
  }
};
struct PowF {
  template <class T>
  T operator()(T a, T b, T) const {
    return static_cast<T>(std::pow(a, b));
  }
};
struct MaxF {
  template <class T>
  T operator()(T a, T b, T) const {
    return (a != a || a > b) ? a : b;
  }
};
struct MinF {
  template <class T>
  T operator()(T a, T b, T) const {
    return (a != a || a < b) ? a : b;
  }
};
struct EqF {
  template <class T>
  bool operator()(T a, T b, T) const {
    return a == b;
  }
};
struct NeF {
  template <class T>
  bool operator()(T a, T b, T) const {
    return a != b;
  }
};
struct LtF {
  template <class T>
  bool operator()(T a, T b, T) const {
    return a < b;
  }
};
struct LeF {
  template <class T>
  bool operator()(T a, T b, T) const {
    return a <= b;
  }
};
struct GtF {
  template <class T>
  bool operator()(T a, T b, T) const {
    return a > b;
  }
};
struct GeF {
  template <class T>
  bool operator()(T a, T b, T) const {
    return a >= b;
  }
};

// One innermost run. The three common layouts get their own plain loops.
template <class T, class Out, class F>
void Loop(char** p, const std::int64_t* s, std::int64_t n, T alpha) {
  const F f;
  Out* HWY_RESTRICT o = reinterpret_cast<Out*>(p[0]);
  const T* HWY_RESTRICT a = reinterpret_cast<const T*>(p[1]);
  const T* HWY_RESTRICT b = reinterpret_cast<const T*>(p[2]);
  constexpr std::int64_t so = sizeof(Out), st = sizeof(T);
  if (s[0] == so && s[1] == st && s[2] == st) {
    for (std::int64_t i = 0; i < n; ++i) o[i] = f(a[i], b[i], alpha);
  } else if (s[0] == so && s[1] == st && s[2] == 0) {
    const T bv = *b;
    for (std::int64_t i = 0; i < n; ++i) o[i] = f(a[i], bv, alpha);
  } else if (s[0] == so && s[1] == 0 && s[2] == st) {
    const T av = *a;
    for (std::int64_t i = 0; i < n; ++i) o[i] = f(av, b[i], alpha);
  } else {
    for (std::int64_t i = 0; i < n; ++i)
      *reinterpret_cast<Out*>(p[0] + i * s[0]) = f(*reinterpret_cast<const T*>(p[1] + i * s[1]),
                                                   *reinterpret_cast<const T*>(p[2] + i * s[2]), alpha);
  }
}

template <class T>
void TypedLoop(int op, char** p, const std::int64_t* s, std::int64_t n, double alpha_d) {
  const T alpha = static_cast<T>(alpha_d);
  switch (static_cast<BinaryOp>(op)) {
    case BinaryOp::Add:
      return Loop<T, T, AddF>(p, s, n, alpha);
    case BinaryOp::Sub:
      return Loop<T, T, SubF>(p, s, n, alpha);
    case BinaryOp::Mul:
      return Loop<T, T, MulF>(p, s, n, alpha);
    case BinaryOp::Div:
      return Loop<T, T, DivF>(p, s, n, alpha);
    case BinaryOp::Pow:
      return Loop<T, T, PowF>(p, s, n, alpha);
    case BinaryOp::Maximum:
      return Loop<T, T, MaxF>(p, s, n, alpha);
    case BinaryOp::Minimum:
      return Loop<T, T, MinF>(p, s, n, alpha);
    case BinaryOp::Eq:
      return Loop<T, bool, EqF>(p, s, n, alpha);
    case BinaryOp::Ne:
      return Loop<T, bool, NeF>(p, s, n, alpha);
    case BinaryOp::Lt:
      return Loop<T, bool, LtF>(p, s, n, alpha);
    case BinaryOp::Le:
      return Loop<T, bool, LeF>(p, s, n, alpha);
    case BinaryOp::Gt:
      return Loop<T, bool, GtF>(p, s, n, alpha);
    case BinaryOp::Ge:
      return Loop<T, bool, GeF>(p, s, n, alpha);
  }
}

// Bool operands only meet comparisons; arithmetic on bool is promoted to int64 by the ops.
void BoolLoop(int op, char** p, const std::int64_t* s, std::int64_t n) {
  switch (static_cast<BinaryOp>(op)) {
    case BinaryOp::Eq:
      return Loop<bool, bool, EqF>(p, s, n, false);
    case BinaryOp::Ne:
      return Loop<bool, bool, NeF>(p, s, n, false);
    case BinaryOp::Lt:
      return Loop<bool, bool, LtF>(p, s, n, false);
    case BinaryOp::Le:
      return Loop<bool, bool, LeF>(p, s, n, false);
    case BinaryOp::Gt:
      return Loop<bool, bool, GtF>(p, s, n, false);
    case BinaryOp::Ge:
      return Loop<bool, bool, GeF>(p, s, n, false);
    default:
      return;
  }
}

void BinaryLoop(int op, int dtype, char** p, const std::int64_t* s, std::int64_t n, double alpha) {
  switch (static_cast<DType>(dtype)) {
    case DType::Float32:
      return TypedLoop<float>(op, p, s, n, alpha);
    case DType::Float64:
      return TypedLoop<double>(op, p, s, n, alpha);
    case DType::Int64:
      return TypedLoop<std::int64_t>(op, p, s, n, alpha);
    case DType::Bool:
      return BoolLoop(op, p, s, n);
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace keel::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include "kernels/cpu/dispatch.h"
#include "kernels/cpu/iter.h"

namespace keel::kernels {
KEEL_EXPORT(BinaryLoop);

void binary(BinaryOp op, const View& out, const View& a, const View& b, double alpha) {
  const View* ops[3] = {&out, &a, &b};
  ElementIter it(ops, 3);
  auto* fn = &KEEL_DISPATCH(BinaryLoop);
  int dt = static_cast<int>(a.dtype);
  it.run([fn, op, dt, alpha](char** p, const std::int64_t* s, std::int64_t n) {
    fn(static_cast<int>(op), dt, p, s, n, alpha);
  });
}

}  // namespace keel::kernels
#endif
