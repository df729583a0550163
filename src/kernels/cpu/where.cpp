// Elementwise selection (where, masked_fill), compiled per SIMD target by Highway. Both
// operands are loaded before the select so the loops are branch-free and vectorize as blends.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/cpu/where.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include <cstdint>

#include "keel/core/dtype.h"

HWY_BEFORE_NAMESPACE();
namespace keel::kernels {
namespace HWY_NAMESPACE {

template <class T>
void SelectT(char** p, const std::int64_t* s, std::int64_t n) {
  // No restrict: masked_fill_ passes the output as b.
  T* o = reinterpret_cast<T*>(p[0]);
  const bool* c = reinterpret_cast<const bool*>(p[1]);
  const T* a = reinterpret_cast<const T*>(p[2]);
  const T* b = reinterpret_cast<const T*>(p[3]);
  constexpr std::int64_t st = sizeof(T);
  if (s[0] == st && s[1] == 1 && s[2] == st && s[3] == st) {
    for (std::int64_t i = 0; i < n; ++i) {
      const T av = a[i], bv = b[i];
      o[i] = c[i] ? av : bv;
    }
  } else if (s[0] == st && s[1] == 1 && s[2] == 0 && s[3] == st) {  // masked_fill
    const T av = *a;
    for (std::int64_t i = 0; i < n; ++i) {
      const T bv = b[i];
      o[i] = c[i] ? av : bv;
    }
  } else if (s[0] == st && s[1] == 1 && s[2] == st && s[3] == 0) {
    const T bv = *b;
    for (std::int64_t i = 0; i < n; ++i) {
      const T av = a[i];
      o[i] = c[i] ? av : bv;
    }
  } else {
    for (std::int64_t i = 0; i < n; ++i) {
      const T av = *reinterpret_cast<const T*>(p[2] + i * s[2]);
      const T bv = *reinterpret_cast<const T*>(p[3] + i * s[3]);
      *reinterpret_cast<T*>(p[0] + i * s[0]) = *reinterpret_cast<const bool*>(p[1] + i * s[1]) ? av : bv;
    }
  }
}

void SelectLoop(int dtype, char** p, const std::int64_t* s, std::int64_t n) {
  switch (static_cast<DType>(dtype)) {
    case DType::Float32:
      return SelectT<float>(p, s, n);
    case DType::Float64:
      return SelectT<double>(p, s, n);
    case DType::Int64:
      return SelectT<std::int64_t>(p, s, n);
    case DType::Bool:
      return SelectT<bool>(p, s, n);
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace keel::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include "kernels/cpu/dispatch.h"
#include "kernels/cpu/iter.h"
#include "kernels/cpu/where.h"

namespace keel::kernels {
KEEL_EXPORT(SelectLoop);

void where(const View& out, const View& cond, const View& a, const View& b) {
  const View* ops[4] = {&out, &cond, &a, &b};
  ElementIter it(ops, 4);
  auto* fn = &KEEL_DISPATCH(SelectLoop);
  int dt = static_cast<int>(out.dtype);
  it.run([fn, dt](char** p, const std::int64_t* s, std::int64_t n) { fn(dt, p, s, n); });
}

}  // namespace keel::kernels
#endif
