// Fused optimizer updates (see optimizer_steps.h). Compiled once per SIMD target by Highway
// (foreach_target) like binary.cpp; the plain loops below are auto-vectorized per target
// (this file is built with -fno-math-errno so sqrt vectorizes too). The option flags are
// template parameters so each inner loop is branch-free.
//
// The arithmetic follows PyTorch's tensor ops one for one, with every Python scalar cast to
// the parameter's type first, as ATen's CPU kernels do: e.g. exp_avg.mul_(beta1).add_(grad,
// alpha=1-beta1) is m * beta1 + (1 - beta1) * g.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/cpu/optimizer_steps.cpp"
#include "kernels/cpu/optimizer_steps.h"

#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include <cmath>
#include <cstdint>

HWY_BEFORE_NAMESPACE();
namespace keel::kernels {
namespace HWY_NAMESPACE {

// ---- SGD ----------------------------------------------------------------------------------

template <class T, bool kWd, bool kMom, bool kFirst, bool kNesterov>
void SgdLoop(T* HWY_RESTRICT p, const T* HWY_RESTRICT g, T* HWY_RESTRICT buf, std::int64_t b, std::int64_t e,
             const SgdArgs& a) {
  const T sign = a.maximize ? T(-1) : T(1), wd = T(a.weight_decay), mom = T(a.momentum);
  const T damp1 = T(1 - a.dampening), neg_lr = T(-a.lr);
  for (std::int64_t i = b; i < e; ++i) {
    T d = sign * g[i];
    if constexpr (kWd) d = d + wd * p[i];
    if constexpr (kMom) {
      T bv;
      if constexpr (kFirst) {
        bv = d;
      } else {
        bv = buf[i] * mom + damp1 * d;
      }
      buf[i] = bv;
      d = kNesterov ? d + mom * bv : bv;
    }
    p[i] = p[i] + neg_lr * d;
  }
}

template <class T, bool kWd, bool kMom>
void SgdMom(T* p, const T* g, T* buf, std::int64_t b, std::int64_t e, const SgdArgs& a) {
  if constexpr (!kMom) {
    SgdLoop<T, kWd, false, false, false>(p, g, buf, b, e, a);
  } else if (a.first) {
    if (a.nesterov) return SgdLoop<T, kWd, true, true, true>(p, g, buf, b, e, a);
    SgdLoop<T, kWd, true, true, false>(p, g, buf, b, e, a);
  } else {
    if (a.nesterov) return SgdLoop<T, kWd, true, false, true>(p, g, buf, b, e, a);
    SgdLoop<T, kWd, true, false, false>(p, g, buf, b, e, a);
  }
}

template <class T>
void SgdTyped(void* p, const void* g, void* buf, std::int64_t b, std::int64_t e, const SgdArgs& a) {
  T* pp = static_cast<T*>(p);
  const T* gp = static_cast<const T*>(g);
  T* bp = static_cast<T*>(buf);
  const bool wd = a.weight_decay != 0, mom = a.momentum != 0;
  if (wd && mom) return SgdMom<T, true, true>(pp, gp, bp, b, e, a);
  if (wd) return SgdMom<T, true, false>(pp, gp, bp, b, e, a);
  if (mom) return SgdMom<T, false, true>(pp, gp, bp, b, e, a);
  SgdMom<T, false, false>(pp, gp, bp, b, e, a);
}

void SgdKernel(int dt, void* p, const void* g, void* buf, std::int64_t b, std::int64_t e, const SgdArgs& a) {
  if (static_cast<DType>(dt) == DType::Float32) return SgdTyped<float>(p, g, buf, b, e, a);
  SgdTyped<double>(p, g, buf, b, e, a);
}

// ---- Adam / AdamW -------------------------------------------------------------------------

template <class T, bool kWd, bool kDecay, bool kAms>
void AdamLoop(T* HWY_RESTRICT p, const T* HWY_RESTRICT g, T* HWY_RESTRICT m, T* HWY_RESTRICT v,
              T* HWY_RESTRICT vmax, std::int64_t b, std::int64_t e, const AdamArgs& a) {
  const T sign = a.maximize ? T(-1) : T(1), wd = T(a.weight_decay), decay = T(a.decay);
  const T b1 = T(a.beta1), b2 = T(a.beta2), omb1 = T(1 - a.beta1), omb2 = T(1 - a.beta2);
  const T eps = T(a.eps), bc2 = T(a.bias_correction2_sqrt), neg_step = T(-a.step_size);
  for (std::int64_t i = b; i < e; ++i) {
    T gi = sign * g[i];
    T pi = p[i];
    if constexpr (kWd) gi = gi + wd * pi;
    if constexpr (kDecay) pi = pi * decay;
    const T mi = m[i] * b1 + omb1 * gi;
    T vi = v[i] * b2 + omb2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    if constexpr (kAms) {
      vi = vmax[i] > vi ? vmax[i] : vi;
      vmax[i] = vi;
    }
    const T denom = std::sqrt(vi) / bc2 + eps;
    p[i] = pi + neg_step * (mi / denom);
  }
}

template <class T>
void AdamTyped(void* p, const void* g, void* m, void* v, void* vmax, std::int64_t b, std::int64_t e,
               const AdamArgs& a) {
  T* pp = static_cast<T*>(p);
  const T* gp = static_cast<const T*>(g);
  T *mp = static_cast<T*>(m), *vp = static_cast<T*>(v), *xp = static_cast<T*>(vmax);
  const bool wd = !a.decoupled && a.weight_decay != 0, decay = a.decoupled && a.decay != 1;
  const int key = (wd ? 4 : 0) | (decay ? 2 : 0) | (a.amsgrad ? 1 : 0);
  switch (key) {
    case 0:
      return AdamLoop<T, false, false, false>(pp, gp, mp, vp, xp, b, e, a);
    case 1:
      return AdamLoop<T, false, false, true>(pp, gp, mp, vp, xp, b, e, a);
    case 2:
      return AdamLoop<T, false, true, false>(pp, gp, mp, vp, xp, b, e, a);
    case 3:
      return AdamLoop<T, false, true, true>(pp, gp, mp, vp, xp, b, e, a);
    case 4:
      return AdamLoop<T, true, false, false>(pp, gp, mp, vp, xp, b, e, a);
    default:
      return AdamLoop<T, true, false, true>(pp, gp, mp, vp, xp, b, e, a);
  }
}

void AdamKernel(int dt, void* p, const void* g, void* m, void* v, void* vmax, std::int64_t b, std::int64_t e,
                const AdamArgs& a) {
  if (static_cast<DType>(dt) == DType::Float32) return AdamTyped<float>(p, g, m, v, vmax, b, e, a);
  AdamTyped<double>(p, g, m, v, vmax, b, e, a);
}

// ---- RMSprop ------------------------------------------------------------------------------

template <class T, bool kWd, bool kCentered, bool kMom>
void RmspropLoop(T* HWY_RESTRICT p, const T* HWY_RESTRICT g, T* HWY_RESTRICT sq, T* HWY_RESTRICT ga,
                 T* HWY_RESTRICT buf, std::int64_t b, std::int64_t e, const RmspropArgs& a) {
  const T sign = a.maximize ? T(-1) : T(1), wd = T(a.weight_decay), alpha = T(a.alpha);
  const T oma = T(1 - a.alpha), eps = T(a.eps), mom = T(a.momentum), neg_lr = T(-a.lr);
  for (std::int64_t i = b; i < e; ++i) {
    T gi = sign * g[i];
    if constexpr (kWd) gi = gi + wd * p[i];
    const T s = sq[i] * alpha + oma * gi * gi;
    sq[i] = s;
    T avg;
    if constexpr (kCentered) {
      const T gai = ga[i] * alpha + oma * gi;
      ga[i] = gai;
      avg = std::sqrt(s + T(-1) * gai * gai);
    } else {
      avg = std::sqrt(s);
    }
    avg = avg + eps;
    if constexpr (kMom) {
      const T bv = buf[i] * mom + gi / avg;
      buf[i] = bv;
      p[i] = p[i] + neg_lr * bv;
    } else {
      p[i] = p[i] + neg_lr * (gi / avg);
    }
  }
}

template <class T>
void RmspropTyped(void* p, const void* g, void* sq, void* ga, void* buf, std::int64_t b, std::int64_t e,
                  const RmspropArgs& a) {
  T* pp = static_cast<T*>(p);
  const T* gp = static_cast<const T*>(g);
  T *sp = static_cast<T*>(sq), *ap = static_cast<T*>(ga), *bp = static_cast<T*>(buf);
  const int key = (a.weight_decay != 0 ? 4 : 0) | (a.centered ? 2 : 0) | (a.momentum > 0 ? 1 : 0);
  switch (key) {
    case 0:
      return RmspropLoop<T, false, false, false>(pp, gp, sp, ap, bp, b, e, a);
    case 1:
      return RmspropLoop<T, false, false, true>(pp, gp, sp, ap, bp, b, e, a);
    case 2:
      return RmspropLoop<T, false, true, false>(pp, gp, sp, ap, bp, b, e, a);
    case 3:
      return RmspropLoop<T, false, true, true>(pp, gp, sp, ap, bp, b, e, a);
    case 4:
      return RmspropLoop<T, true, false, false>(pp, gp, sp, ap, bp, b, e, a);
    case 5:
      return RmspropLoop<T, true, false, true>(pp, gp, sp, ap, bp, b, e, a);
    case 6:
      return RmspropLoop<T, true, true, false>(pp, gp, sp, ap, bp, b, e, a);
    default:
      return RmspropLoop<T, true, true, true>(pp, gp, sp, ap, bp, b, e, a);
  }
}

void RmspropKernel(int dt, void* p, const void* g, void* sq, void* ga, void* buf, std::int64_t b,
                   std::int64_t e, const RmspropArgs& a) {
  if (static_cast<DType>(dt) == DType::Float32) return RmspropTyped<float>(p, g, sq, ga, buf, b, e, a);
  RmspropTyped<double>(p, g, sq, ga, buf, b, e, a);
}

// ---- Adagrad ------------------------------------------------------------------------------

template <class T, bool kWd>
void AdagradLoop(T* HWY_RESTRICT p, const T* HWY_RESTRICT g, T* HWY_RESTRICT sum, std::int64_t b,
                 std::int64_t e, const AdagradArgs& a) {
  const T sign = a.maximize ? T(-1) : T(1), wd = T(a.weight_decay), eps = T(a.eps), neg_clr = T(-a.clr);
  for (std::int64_t i = b; i < e; ++i) {
    T gi = sign * g[i];
    if constexpr (kWd) gi = gi + wd * p[i];
    const T s = sum[i] + gi * gi;
    sum[i] = s;
    const T std = std::sqrt(s) + eps;
    p[i] = p[i] + neg_clr * (gi / std);
  }
}

void AdagradKernel(int dt, void* p, const void* g, void* sum, std::int64_t b, std::int64_t e,
                   const AdagradArgs& a) {
  const bool wd = a.weight_decay != 0;
  if (static_cast<DType>(dt) == DType::Float32) {
    auto* pp = static_cast<float*>(p);
    auto* gp = static_cast<const float*>(g);
    auto* sp = static_cast<float*>(sum);
    return wd ? AdagradLoop<float, true>(pp, gp, sp, b, e, a)
              : AdagradLoop<float, false>(pp, gp, sp, b, e, a);
  }
  auto* pp = static_cast<double*>(p);
  auto* gp = static_cast<const double*>(g);
  auto* sp = static_cast<double*>(sum);
  wd ? AdagradLoop<double, true>(pp, gp, sp, b, e, a) : AdagradLoop<double, false>(pp, gp, sp, b, e, a);
}

}  // namespace HWY_NAMESPACE
}  // namespace keel::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include "keel/core/error.h"
#include "kernels/cpu/dispatch.h"
#include "kernels/cpu/parallel.h"

namespace keel::kernels {
KEEL_EXPORT(SgdKernel);
KEEL_EXPORT(AdamKernel);
KEEL_EXPORT(RmspropKernel);
KEEL_EXPORT(AdagradKernel);

namespace {
void check_float(DType dt, const char* op) {
  KEEL_CHECK(dt == DType::Float32 || dt == DType::Float64, op,
             ": expected float32 or float64 parameters, got ", dtype_name(dt));
}
}  // namespace

// Each thread updates one contiguous chunk; the updates are elementwise, so the result does
// not depend on the thread count.
void sgd_step(DType dt, void* p, const void* g, void* buf, std::int64_t n, const SgdArgs& a) {
  check_float(dt, "SGD");
  auto* fn = &KEEL_DISPATCH(SgdKernel);
  parallel_for(0, n, kGrain,
               [&](std::int64_t b, std::int64_t e) { fn(static_cast<int>(dt), p, g, buf, b, e, a); });
}

void adam_step(DType dt, void* p, const void* g, void* m, void* v, void* vmax, std::int64_t n,
               const AdamArgs& a) {
  check_float(dt, "Adam");
  auto* fn = &KEEL_DISPATCH(AdamKernel);
  parallel_for(0, n, kGrain,
               [&](std::int64_t b, std::int64_t e) { fn(static_cast<int>(dt), p, g, m, v, vmax, b, e, a); });
}

void rmsprop_step(DType dt, void* p, const void* g, void* sq, void* ga, void* buf, std::int64_t n,
                  const RmspropArgs& a) {
  check_float(dt, "RMSprop");
  auto* fn = &KEEL_DISPATCH(RmspropKernel);
  parallel_for(0, n, kGrain,
               [&](std::int64_t b, std::int64_t e) { fn(static_cast<int>(dt), p, g, sq, ga, buf, b, e, a); });
}

void adagrad_step(DType dt, void* p, const void* g, void* sum, std::int64_t n, const AdagradArgs& a) {
  check_float(dt, "Adagrad");
  auto* fn = &KEEL_DISPATCH(AdagradKernel);
  parallel_for(0, n, kGrain,
               [&](std::int64_t b, std::int64_t e) { fn(static_cast<int>(dt), p, g, sum, b, e, a); });
}

}  // namespace keel::kernels
#endif
