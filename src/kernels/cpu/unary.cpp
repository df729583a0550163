// Unary math, activations and their fused backward formulas. Like binary.cpp this file is
// compiled once per SIMD target by Highway (foreach_target) and dispatched at run time.
// Floating-point functors are written with Highway vector ops (hwy contrib math for exp,
// log, tanh), so exp/tanh/sigmoid/gelu run truly vectorized; a few (a general pow, float64
// erf) are scalar functors in plain loops. Strided runs are gathered into small contiguous
// blocks so every layout takes the vector path.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/cpu/unary.cpp"
#include "kernels/cpu/unary.h"

// foreach_target.h must come first.
// clang-format off
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>
#include <hwy/contrib/math/math-inl.h>
// clang-format on

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <utility>

HWY_BEFORE_NAMESPACE();
namespace keel::kernels {
namespace HWY_NAMESPACE {

namespace hn = hwy::HWY_NAMESPACE;

// ---- vector helpers -------------------------------------------------------------------------

template <class D, class V>
HWY_INLINE V Fill(D d, double v) {
  return hn::Set(d, static_cast<hn::TFromD<D>>(v));
}

// Keeps NaN inputs NaN where the approximation would not.
template <class D, class V>
HWY_INLINE V KeepNaN(D, V x, V y) {
  return hn::IfThenElse(hn::IsNaN(x), x, y);
}

// exp with IEEE behaviour at the ends: +inf above the overflow threshold, NaN for NaN.
template <class D, class V>
HWY_INLINE V SafeExp(D d, V x) {
  const V hi = Fill<D, V>(d, sizeof(hn::TFromD<D>) == 4 ? 100.0 : 710.0);
  return KeepNaN(d, x, hn::Exp(d, hn::Min(x, hi)));
}

// 1 + erf(-u) = erfc(u) for float32 lanes: the Chebyshev fit of Numerical Recipes
// (erfcc), fractional error below 1.2e-7 everywhere, so tails keep their relative accuracy.
template <class D, class V>
HWY_INLINE V Erfc(D d, V u) {
  const V one = Fill<D, V>(d, 1.0);
  const V z = hn::Abs(u);
  const V t = hn::Div(one, hn::MulAdd(Fill<D, V>(d, 0.5), z, one));
  V p = Fill<D, V>(d, 0.17087277);
  p = hn::MulAdd(p, t, Fill<D, V>(d, -0.82215223));
  p = hn::MulAdd(p, t, Fill<D, V>(d, 1.48851587));
  p = hn::MulAdd(p, t, Fill<D, V>(d, -1.13520398));
  p = hn::MulAdd(p, t, Fill<D, V>(d, 0.27886807));
  p = hn::MulAdd(p, t, Fill<D, V>(d, -0.18628806));
  p = hn::MulAdd(p, t, Fill<D, V>(d, 0.09678418));
  p = hn::MulAdd(p, t, Fill<D, V>(d, 0.37409196));
  p = hn::MulAdd(p, t, Fill<D, V>(d, 1.00002368));
  p = hn::MulAdd(p, t, Fill<D, V>(d, -1.26551223));
  const V r = hn::Mul(t, SafeExp(d, hn::NegMulAdd(z, z, p)));
  return hn::IfThenElse(hn::Lt(u, hn::Zero(d)), hn::Sub(Fill<D, V>(d, 2.0), r), r);
}

constexpr double kSqrt1_2 = 0.70710678118654752440;
constexpr double kGeluBeta = 0.79788456080286535588;   // sqrt(2 / pi)
constexpr double kGeluAlpha = 0.39894228040143267794;  // 1 / sqrt(2 pi)
constexpr double kGeluKappa = 0.044715;

// ---- forward functors -----------------------------------------------------------------------
// Vector functors: `V operator()(D, V) const`; scalar ones set kScalar and take T.

template <class T>
struct NegF {
  template <class D, class V>
  V operator()(D, V x) const {
    return hn::Neg(x);
  }
};
template <class T>
struct ExpF {
  template <class D, class V>
  V operator()(D d, V x) const {
    return SafeExp(d, x);
  }
};
template <class T>
struct LogF {
  template <class D, class V>
  V operator()(D d, V x) const {
    const V zero = hn::Zero(d), inf = Fill<D, V>(d, std::numeric_limits<double>::infinity());
    V y = hn::Log(d, x);
    y = hn::IfThenElse(hn::Eq(x, inf), inf, y);
    y = hn::IfThenElse(hn::Eq(x, zero), hn::Neg(inf), y);
    return hn::IfThenElse(hn::Or(hn::Lt(x, zero), hn::IsNaN(x)), Fill<D, V>(d, std::nan("")), y);
  }
};
template <class T>
struct SqrtF {
  template <class D, class V>
  V operator()(D, V x) const {
    return hn::Sqrt(x);
  }
};
template <class T>
struct RsqrtF {
  template <class D, class V>
  V operator()(D d, V x) const {
    return hn::Div(Fill<D, V>(d, 1.0), hn::Sqrt(x));
  }
};
template <class T>
struct AbsF {
  template <class D, class V>
  V operator()(D, V x) const {
    return hn::Abs(x);
  }
};
template <class T>
struct SignF {  // (0 < x) - (x < 0): 0 for zeros and NaN
  template <class D, class V>
  V operator()(D d, V x) const {
    const V zero = hn::Zero(d), one = Fill<D, V>(d, 1.0);
    return hn::Sub(hn::IfThenElseZero(hn::Gt(x, zero), one), hn::IfThenElseZero(hn::Lt(x, zero), one));
  }
};
template <class T>
struct ClampF {  // PyTorch's minimum(max, maximum(min, x)): max wins when min > max
  T lo, hi;
  template <class D, class V>
  V operator()(D d, V x) const {
    return KeepNaN(d, x, hn::Min(hn::Max(x, hn::Set(d, lo)), hn::Set(d, hi)));
  }
};
template <class T>
struct ClampMinF {
  T lo;
  template <class D, class V>
  V operator()(D d, V x) const {
    return KeepNaN(d, x, hn::Max(x, hn::Set(d, lo)));
  }
};
template <class T>
struct ClampMaxF {
  T hi;
  template <class D, class V>
  V operator()(D d, V x) const {
    return KeepNaN(d, x, hn::Min(x, hn::Set(d, hi)));
  }
};
template <class T>
struct ReluF {  // x < 0 ? 0 : x, which keeps -0 and NaN as PyTorch does
  template <class D, class V>
  V operator()(D d, V x) const {
    return hn::IfThenZeroElse(hn::Lt(x, hn::Zero(d)), x);
  }
};
template <class T>
struct SigmoidF {
  template <class D, class V>
  V operator()(D d, V x) const {
    const V one = Fill<D, V>(d, 1.0);
    return hn::Div(one, hn::Add(one, SafeExp(d, hn::Neg(x))));
  }
};
template <class T>
struct TanhF {
  template <class D, class V>
  V operator()(D d, V x) const {
    return KeepNaN(d, x, hn::Tanh(d, x));
  }
};
template <class T>
struct GeluTanhF {
  template <class D, class V>
  V operator()(D d, V x) const {
    const V x3 = hn::Mul(hn::Mul(x, x), x);
    const V inner = hn::Mul(Fill<D, V>(d, kGeluBeta), hn::MulAdd(Fill<D, V>(d, kGeluKappa), x3, x));
    const V t = KeepNaN(d, inner, hn::Tanh(d, inner));
    return hn::Mul(hn::Mul(Fill<D, V>(d, 0.5), x), hn::Add(Fill<D, V>(d, 1.0), t));
  }
};
template <class T>
struct GeluErfF {  // float32: vectorized erfc
  template <class D, class V>
  V operator()(D d, V x) const {
    const V cdf2 = Erfc(d, hn::Mul(x, Fill<D, V>(d, -kSqrt1_2)));  // 1 + erf(x / sqrt(2))
    return KeepNaN(d, x, hn::Mul(hn::Mul(x, Fill<D, V>(d, 0.5)), cdf2));
  }
};
template <>
struct GeluErfF<double> {  // float64: libm's erf, exact to double rounding
  static constexpr bool kScalar = true;
  double operator()(double x) const { return x * 0.5 * (1.0 + std::erf(x * kSqrt1_2)); }
};
template <class T>
struct LeakyReluF {
  T slope;
  template <class D, class V>
  V operator()(D d, V x) const {
    return hn::IfThenElse(hn::Gt(x, hn::Zero(d)), x, hn::Mul(x, hn::Set(d, slope)));
  }
};
template <class T>
struct EluF {
  T alpha;
  template <class D, class V>
  V operator()(D d, V x) const {
    const V zero = hn::Zero(d);
    const V neg = hn::Mul(hn::Set(d, alpha), hn::Expm1(d, hn::Min(x, zero)));
    return KeepNaN(d, x, hn::IfThenElse(hn::Gt(x, zero), x, neg));
  }
};

template <class T>
struct SoftplusF {  // x > 20 ? x : log1p(exp(x)) (PyTorch's defaults beta = 1, threshold = 20)
  template <class D, class V>
  V operator()(D d, V x) const {
    const V soft = hn::Log1p(d, SafeExp(d, hn::Min(x, Fill<D, V>(d, 20.0))));
    return KeepNaN(d, x, hn::IfThenElse(hn::Gt(x, Fill<D, V>(d, 20.0)), x, soft));
  }
};

// pow(x, p) with PyTorch's special cases, which are exact or match its rounding; other
// exponents use std::pow.
enum PowKind { kPow0, kPow1, kPow2, kPow3, kPowHalf, kPowNegHalf, kPowNeg1, kPowNeg2, kPowGeneral };

inline PowKind pow_kind(double p) {
  if (p == 0.0) return kPow0;
  if (p == 1.0) return kPow1;
  if (p == 2.0) return kPow2;
  if (p == 3.0) return kPow3;
  if (p == 0.5) return kPowHalf;
  if (p == -0.5) return kPowNegHalf;
  if (p == -1.0) return kPowNeg1;
  if (p == -2.0) return kPowNeg2;
  return kPowGeneral;
}

template <int K, class D, class V>
HWY_INLINE V PowVec(D d, V x) {
  const V one = Fill<D, V>(d, 1.0);
  if constexpr (K == kPow0) return one;
  if constexpr (K == kPow1) return x;
  if constexpr (K == kPow2) return hn::Mul(x, x);
  if constexpr (K == kPow3) return hn::Mul(hn::Mul(x, x), x);
  if constexpr (K == kPowHalf) return hn::Sqrt(x);
  if constexpr (K == kPowNegHalf) return hn::Div(one, hn::Sqrt(x));
  if constexpr (K == kPowNeg1) return hn::Div(one, x);
  if constexpr (K == kPowNeg2) return hn::Div(one, hn::Mul(x, x));
}

template <class T, int K>
struct PowF {
  template <class D, class V>
  V operator()(D d, V x) const {
    return PowVec<K>(d, x);
  }
};
template <class T>
struct PowF<T, kPowGeneral> {
  static constexpr bool kScalar = true;
  T p;
  T operator()(T x) const { return static_cast<T>(std::pow(x, p)); }
};

// ---- int64 forward functors (scalar; plain loops) -----------------------------------------

struct IntNegF {
  static constexpr bool kScalar = true;
  std::int64_t operator()(std::int64_t x) const { return -x; }
};
struct IntAbsF {
  static constexpr bool kScalar = true;
  std::int64_t operator()(std::int64_t x) const { return x < 0 ? -x : x; }
};
struct IntSignF {
  static constexpr bool kScalar = true;
  std::int64_t operator()(std::int64_t x) const { return (0 < x) - (x < 0); }
};
struct IntClampF {
  static constexpr bool kScalar = true;
  std::int64_t lo, hi;
  std::int64_t operator()(std::int64_t x) const { return std::min(std::max(x, lo), hi); }
};
struct IntReluF {
  static constexpr bool kScalar = true;
  std::int64_t operator()(std::int64_t x) const { return x < 0 ? 0 : x; }
};
struct IntPowF {  // non-negative exponent, by squaring (wraps on overflow like PyTorch)
  static constexpr bool kScalar = true;
  std::uint64_t p;
  std::int64_t operator()(std::int64_t x) const {
    std::uint64_t r = 1, b = static_cast<std::uint64_t>(x);
    for (std::uint64_t e = p; e; e >>= 1, b *= b)
      if (e & 1) r *= b;
    return static_cast<std::int64_t>(r);
  }
};

// ---- backward functors (g, s) -> grad_input ------------------------------------------------

template <class T>
struct ExpGradF {
  template <class D, class V>
  V operator()(D, V g, V y) const {
    return hn::Mul(g, y);
  }
};
template <class T>
struct LogGradF {
  template <class D, class V>
  V operator()(D, V g, V x) const {
    return hn::Div(g, x);
  }
};
template <class T>
struct SqrtGradF {
  template <class D, class V>
  V operator()(D d, V g, V y) const {
    return hn::Div(g, hn::Mul(Fill<D, V>(d, 2.0), y));
  }
};
template <class T>
struct RsqrtGradF {
  template <class D, class V>
  V operator()(D d, V g, V y) const {
    return hn::Mul(hn::Mul(Fill<D, V>(d, -0.5), g), hn::Mul(hn::Mul(y, y), y));
  }
};
template <class T>
struct AbsGradF {
  template <class D, class V>
  V operator()(D d, V g, V x) const {
    return hn::Mul(g, SignF<T>()(d, x));
  }
};
template <class T, int K>
struct PowGradF {  // g * (p * x^(p - 1)), K the kind of p - 1
  T p;
  template <class D, class V>
  V operator()(D d, V g, V x) const {
    return hn::Mul(g, hn::Mul(hn::Set(d, p), PowVec<K>(d, x)));
  }
};
template <class T>
struct PowGradF<T, kPowGeneral> {
  static constexpr bool kScalar = true;
  T p;
  T operator()(T g, T x) const { return g * (p * static_cast<T>(std::pow(x, p - 1))); }
};
template <class T>
struct ZeroGradF {  // pow(x, 0): the gradient is zero even where x^-1 is not finite
  template <class D, class V>
  V operator()(D d, V, V) const {
    return hn::Zero(d);
  }
};
template <class T>
struct ClampGradF {
  T lo, hi;
  template <class D, class V>
  V operator()(D d, V g, V x) const {
    return hn::IfThenElseZero(hn::And(hn::Ge(x, hn::Set(d, lo)), hn::Le(x, hn::Set(d, hi))), g);
  }
};
template <class T>
struct ClampMinGradF {
  T lo;
  template <class D, class V>
  V operator()(D d, V g, V x) const {
    return hn::IfThenElseZero(hn::Ge(x, hn::Set(d, lo)), g);
  }
};
template <class T>
struct ClampMaxGradF {
  T hi;
  template <class D, class V>
  V operator()(D d, V g, V x) const {
    return hn::IfThenElseZero(hn::Le(x, hn::Set(d, hi)), g);
  }
};
template <class T>
struct ReluGradF {
  template <class D, class V>
  V operator()(D d, V g, V y) const {
    return hn::IfThenZeroElse(hn::Le(y, hn::Zero(d)), g);
  }
};
template <class T>
struct SigmoidGradF {
  template <class D, class V>
  V operator()(D d, V g, V y) const {
    return hn::Mul(hn::Mul(g, hn::Sub(Fill<D, V>(d, 1.0), y)), y);
  }
};
template <class T>
struct TanhGradF {
  template <class D, class V>
  V operator()(D d, V g, V y) const {
    return hn::Mul(g, hn::Sub(Fill<D, V>(d, 1.0), hn::Mul(y, y)));
  }
};
template <class T>
struct GeluErfGradF {  // g * (cdf + x * pdf)
  template <class D, class V>
  V operator()(D d, V g, V x) const {
    const V cdf = hn::Mul(Fill<D, V>(d, 0.5), Erfc(d, hn::Mul(x, Fill<D, V>(d, -kSqrt1_2))));
    const V pdf = hn::Mul(SafeExp(d, hn::Mul(Fill<D, V>(d, -0.5), hn::Mul(x, x))), Fill<D, V>(d, kGeluAlpha));
    return hn::Mul(g, hn::MulAdd(x, pdf, cdf));
  }
};
template <>
struct GeluErfGradF<double> {
  static constexpr bool kScalar = true;
  double operator()(double g, double x) const {
    const double cdf = 0.5 * (1.0 + std::erf(x * kSqrt1_2));
    const double pdf = std::exp(-0.5 * x * x) * kGeluAlpha;
    return g * (cdf + x * pdf);
  }
};
template <class T>
struct GeluTanhGradF {
  template <class D, class V>
  V operator()(D d, V g, V x) const {
    const V half = Fill<D, V>(d, 0.5), one = Fill<D, V>(d, 1.0), kappa = Fill<D, V>(d, kGeluKappa);
    const V x2 = hn::Mul(x, x);
    const V inner = hn::Mul(Fill<D, V>(d, kGeluBeta), hn::MulAdd(kappa, hn::Mul(x2, x), x));
    const V t = KeepNaN(d, inner, hn::Tanh(d, inner));
    const V left = hn::Mul(half, x);
    const V left_derivative = hn::Mul(half, hn::Add(one, t));
    const V inner_derivative =
        hn::Mul(Fill<D, V>(d, kGeluBeta), hn::MulAdd(Fill<D, V>(d, 3.0 * kGeluKappa), x2, one));
    const V right_derivative = hn::Mul(hn::Mul(left, hn::Sub(one, hn::Mul(t, t))), inner_derivative);
    return hn::Mul(g, hn::Add(left_derivative, right_derivative));
  }
};
template <class T>
struct LeakyReluGradF {
  T slope;
  template <class D, class V>
  V operator()(D d, V g, V x) const {
    return hn::IfThenElse(hn::Gt(x, hn::Zero(d)), g, hn::Mul(g, hn::Set(d, slope)));
  }
};
template <class T>
struct EluGradF {
  T alpha;
  template <class D, class V>
  V operator()(D d, V g, V x) const {
    const V zero = hn::Zero(d);
    const V neg = hn::Mul(hn::Mul(g, hn::Set(d, alpha)), SafeExp(d, hn::Min(x, zero)));
    return hn::IfThenElse(hn::Le(x, zero), neg, g);
  }
};

template <class T>
struct SoftplusGradF {  // x > 20 ? g : g * z / (z + 1), z = exp(x)
  template <class D, class V>
  V operator()(D d, V g, V x) const {
    const V z = SafeExp(d, hn::Min(x, Fill<D, V>(d, 20.0)));
    const V soft = hn::Mul(g, hn::Div(z, hn::Add(z, Fill<D, V>(d, 1.0))));
    return hn::IfThenElse(hn::Gt(x, Fill<D, V>(d, 20.0)), g, soft);
  }
};

// ---- backward functors (g, a, b) -> grad of a or b ------------------------------------------

// maximum/minimum: g where this operand won, g / 2 on ties, 0 where it lost (NaN: g).
template <class T, bool kMax, bool kFirst>
struct ExtremumGradF {
  template <class D, class V>
  V operator()(D d, V g, V a, V b) const {
    const auto lost = (kMax == kFirst) ? hn::Lt(a, b) : hn::Gt(a, b);
    return hn::IfThenElse(hn::Eq(a, b), hn::Mul(g, Fill<D, V>(d, 0.5)), hn::IfThenZeroElse(lost, g));
  }
};
template <class T>
struct PowBaseGradF {
  static constexpr bool kScalar = true;
  T operator()(T g, T a, T b) const { return b == 0 ? T(0) : g * (b * static_cast<T>(std::pow(a, b - 1))); }
};
template <class T>
struct PowExponentGradF {
  static constexpr bool kScalar = true;
  T operator()(T g, T a, T b) const {
    return (a == 0 && b >= 0) ? T(0) : g * (static_cast<T>(std::pow(a, b)) * std::log(a));
  }
};

// ---- loops --------------------------------------------------------------------------------

template <class F>
concept ScalarFunctor = F::kScalar;

constexpr std::int64_t kBlock = 256;

// o[i] = f(in[0][i], ..., in[K-1][i]) over contiguous arrays.
template <class T, class F, std::size_t... I>
void Contig(const F& f, T* o, const T* const* in, std::int64_t n, std::index_sequence<I...>) {
  if constexpr (ScalarFunctor<F>) {
    for (std::int64_t i = 0; i < n; ++i) o[i] = f(in[I][i]...);
  } else {
    const hn::ScalableTag<T> d;
    const std::int64_t lanes = static_cast<std::int64_t>(hn::Lanes(d));
    std::int64_t i = 0;
    for (; i + lanes <= n; i += lanes) hn::StoreU(f(d, hn::LoadU(d, in[I] + i)...), d, o + i);
    if (i < n) {  // the tail, padded to a whole vector with zeros
      constexpr std::size_t kMax = HWY_MAX_BYTES / sizeof(T);
      HWY_ALIGN T buf[sizeof...(I) + 1][kMax] = {};
      const std::size_t rest = static_cast<std::size_t>(n - i);
      ((std::memcpy(buf[I], in[I] + i, rest * sizeof(T))), ...);
      hn::Store(f(d, hn::Load(d, buf[I])...), d, buf[sizeof...(I)]);
      std::memcpy(o + i, buf[sizeof...(I)], rest * sizeof(T));
    }
  }
}

// One innermost run of K inputs: contiguous operands are used in place, strided ones are
// gathered into (and the output scattered from) blocks of kBlock elements.
template <class T, int K, class F>
void Run(const F& f, char** p, const std::int64_t* s, std::int64_t n) {
  constexpr std::int64_t st = sizeof(T);
  bool contig = true;
  for (int k = 0; k <= K; ++k) contig = contig && s[k] == st;
  if (contig) {
    const T* in[K];
    for (int k = 0; k < K; ++k) in[k] = reinterpret_cast<const T*>(p[k + 1]);
    Contig<T>(f, reinterpret_cast<T*>(p[0]), in, n, std::make_index_sequence<K>());
    return;
  }
  HWY_ALIGN T buf[K + 1][kBlock];
  for (std::int64_t b = 0; b < n; b += kBlock) {
    const std::int64_t m = std::min(kBlock, n - b);
    const T* in[K];
    for (int k = 0; k < K; ++k) {
      const char* src = p[k + 1] + b * s[k + 1];
      if (s[k + 1] == st) {
        in[k] = reinterpret_cast<const T*>(src);
      } else {
        for (std::int64_t i = 0; i < m; ++i) buf[k][i] = *reinterpret_cast<const T*>(src + i * s[k + 1]);
        in[k] = buf[k];
      }
    }
    char* dst = p[0] + b * s[0];
    T* out = s[0] == st ? reinterpret_cast<T*>(dst) : buf[K];
    Contig<T>(f, out, in, m, std::make_index_sequence<K>());
    if (s[0] != st)
      for (std::int64_t i = 0; i < m; ++i) *reinterpret_cast<T*>(dst + i * s[0]) = buf[K][i];
  }
}

template <class T>
void FloatUnary(int op, const UnaryParams& prm, char** p, const std::int64_t* s, std::int64_t n) {
  const T a = static_cast<T>(prm.a), b = static_cast<T>(prm.b);
  switch (static_cast<UnaryOp>(op)) {
#define KEEL_UNARY_CASE(Kernel, ...) \
  case UnaryOp::Kernel:              \
    return Run<T, 1>(Kernel##F<T>(), p, s, n);
    KEEL_SIMPLE_UNARY_OPS(KEEL_UNARY_CASE)
#undef KEEL_UNARY_CASE
    case UnaryOp::Neg:
      return Run<T, 1>(NegF<T>(), p, s, n);
    case UnaryOp::Abs:
      return Run<T, 1>(AbsF<T>(), p, s, n);
    case UnaryOp::Sign:
      return Run<T, 1>(SignF<T>(), p, s, n);
    case UnaryOp::Pow:
      switch (pow_kind(prm.a)) {
        case kPow0:
          return Run<T, 1>(PowF<T, kPow0>(), p, s, n);
        case kPow1:
          return Run<T, 1>(PowF<T, kPow1>(), p, s, n);
        case kPow2:
          return Run<T, 1>(PowF<T, kPow2>(), p, s, n);
        case kPow3:
          return Run<T, 1>(PowF<T, kPow3>(), p, s, n);
        case kPowHalf:
          return Run<T, 1>(PowF<T, kPowHalf>(), p, s, n);
        case kPowNegHalf:
          return Run<T, 1>(PowF<T, kPowNegHalf>(), p, s, n);
        case kPowNeg1:
          return Run<T, 1>(PowF<T, kPowNeg1>(), p, s, n);
        case kPowNeg2:
          return Run<T, 1>(PowF<T, kPowNeg2>(), p, s, n);
        case kPowGeneral:
          return Run<T, 1>(PowF<T, kPowGeneral>{a}, p, s, n);
      }
      return;
    case UnaryOp::Clamp:
      return Run<T, 1>(ClampF<T>{a, b}, p, s, n);
    case UnaryOp::ClampMin:
      return Run<T, 1>(ClampMinF<T>{a}, p, s, n);
    case UnaryOp::ClampMax:
      return Run<T, 1>(ClampMaxF<T>{a}, p, s, n);
    case UnaryOp::Relu:
      return Run<T, 1>(ReluF<T>(), p, s, n);
    case UnaryOp::GeluErf:
      return Run<T, 1>(GeluErfF<T>(), p, s, n);
    case UnaryOp::GeluTanh:
      return Run<T, 1>(GeluTanhF<T>(), p, s, n);
    case UnaryOp::LeakyRelu:
      return Run<T, 1>(LeakyReluF<T>{a}, p, s, n);
    case UnaryOp::Elu:
      return Run<T, 1>(EluF<T>{a}, p, s, n);
  }
}

void IntUnary(int op, const UnaryParams& prm, char** p, const std::int64_t* s, std::int64_t n) {
  using I = std::int64_t;
  const I a = static_cast<I>(prm.a), b = static_cast<I>(prm.b);
  constexpr I lo = std::numeric_limits<I>::min(), hi = std::numeric_limits<I>::max();
  switch (static_cast<UnaryOp>(op)) {
    case UnaryOp::Neg:
      return Run<I, 1>(IntNegF(), p, s, n);
    case UnaryOp::Abs:
      return Run<I, 1>(IntAbsF(), p, s, n);
    case UnaryOp::Sign:
      return Run<I, 1>(IntSignF(), p, s, n);
    case UnaryOp::Pow:
      return Run<I, 1>(IntPowF{static_cast<std::uint64_t>(a)}, p, s, n);
    case UnaryOp::Clamp:
      return Run<I, 1>(IntClampF{a, b}, p, s, n);
    case UnaryOp::ClampMin:
      return Run<I, 1>(IntClampF{a, hi}, p, s, n);
    case UnaryOp::ClampMax:
      return Run<I, 1>(IntClampF{lo, a}, p, s, n);
    case UnaryOp::Relu:
      return Run<I, 1>(IntReluF(), p, s, n);
    default:
      return;  // the ops promote integer inputs to float for the other functions
  }
}

void UnaryLoop(int op, int dtype, const UnaryParams* prm, char** p, const std::int64_t* s, std::int64_t n) {
  switch (static_cast<DType>(dtype)) {
    case DType::Float32:
      return FloatUnary<float>(op, *prm, p, s, n);
    case DType::Float64:
      return FloatUnary<double>(op, *prm, p, s, n);
    case DType::Int64:
      return IntUnary(op, *prm, p, s, n);
    case DType::Bool:
      return;
  }
}

template <class T, template <class, int> class G>
void PowGrad(double pd, char** p, const std::int64_t* s, std::int64_t n) {
  const T pw = static_cast<T>(pd);
  switch (pow_kind(pd - 1)) {
    case kPow0:
      return Run<T, 2>(G<T, kPow0>{pw}, p, s, n);
    case kPow1:
      return Run<T, 2>(G<T, kPow1>{pw}, p, s, n);
    case kPow2:
      return Run<T, 2>(G<T, kPow2>{pw}, p, s, n);
    case kPow3:
      return Run<T, 2>(G<T, kPow3>{pw}, p, s, n);
    case kPowHalf:
      return Run<T, 2>(G<T, kPowHalf>{pw}, p, s, n);
    case kPowNegHalf:
      return Run<T, 2>(G<T, kPowNegHalf>{pw}, p, s, n);
    case kPowNeg1:
      return Run<T, 2>(G<T, kPowNeg1>{pw}, p, s, n);
    case kPowNeg2:
      return Run<T, 2>(G<T, kPowNeg2>{pw}, p, s, n);
    case kPowGeneral:
      return Run<T, 2>(G<T, kPowGeneral>{pw}, p, s, n);
  }
}

template <class T>
void FloatUnaryGrad(int op, const UnaryParams& prm, char** p, const std::int64_t* s, std::int64_t n) {
  const T a = static_cast<T>(prm.a), b = static_cast<T>(prm.b);
  switch (static_cast<UnaryGradOp>(op)) {
#define KEEL_UNARY_GRAD_CASE(Kernel, ...) \
  case UnaryGradOp::Kernel:               \
    return Run<T, 2>(Kernel##GradF<T>(), p, s, n);
    KEEL_SIMPLE_UNARY_OPS(KEEL_UNARY_GRAD_CASE)
#undef KEEL_UNARY_GRAD_CASE
    case UnaryGradOp::Abs:
      return Run<T, 2>(AbsGradF<T>(), p, s, n);
    case UnaryGradOp::Pow:
      if (prm.a == 0.0) return Run<T, 2>(ZeroGradF<T>(), p, s, n);
      return PowGrad<T, PowGradF>(prm.a, p, s, n);
    case UnaryGradOp::Clamp:
      return Run<T, 2>(ClampGradF<T>{a, b}, p, s, n);
    case UnaryGradOp::ClampMin:
      return Run<T, 2>(ClampMinGradF<T>{a}, p, s, n);
    case UnaryGradOp::ClampMax:
      return Run<T, 2>(ClampMaxGradF<T>{a}, p, s, n);
    case UnaryGradOp::Relu:
      return Run<T, 2>(ReluGradF<T>(), p, s, n);
    case UnaryGradOp::GeluErf:
      return Run<T, 2>(GeluErfGradF<T>(), p, s, n);
    case UnaryGradOp::GeluTanh:
      return Run<T, 2>(GeluTanhGradF<T>(), p, s, n);
    case UnaryGradOp::LeakyRelu:
      return Run<T, 2>(LeakyReluGradF<T>{a}, p, s, n);
    case UnaryGradOp::Elu:
      return Run<T, 2>(EluGradF<T>{a}, p, s, n);
  }
}

void UnaryGradLoop(int op, int dtype, const UnaryParams* prm, char** p, const std::int64_t* s,
                   std::int64_t n) {
  if (static_cast<DType>(dtype) == DType::Float32) return FloatUnaryGrad<float>(op, *prm, p, s, n);
  if (static_cast<DType>(dtype) == DType::Float64) return FloatUnaryGrad<double>(op, *prm, p, s, n);
}

template <class T>
void FloatBinaryGrad(int op, char** p, const std::int64_t* s, std::int64_t n) {
  switch (static_cast<BinaryGradOp>(op)) {
    case BinaryGradOp::MaxA:
      return Run<T, 3>(ExtremumGradF<T, true, true>(), p, s, n);
    case BinaryGradOp::MaxB:
      return Run<T, 3>(ExtremumGradF<T, true, false>(), p, s, n);
    case BinaryGradOp::MinA:
      return Run<T, 3>(ExtremumGradF<T, false, true>(), p, s, n);
    case BinaryGradOp::MinB:
      return Run<T, 3>(ExtremumGradF<T, false, false>(), p, s, n);
    case BinaryGradOp::PowBase:
      return Run<T, 3>(PowBaseGradF<T>(), p, s, n);
    case BinaryGradOp::PowExponent:
      return Run<T, 3>(PowExponentGradF<T>(), p, s, n);
  }
}

void BinaryGradLoop(int op, int dtype, char** p, const std::int64_t* s, std::int64_t n) {
  if (static_cast<DType>(dtype) == DType::Float32) return FloatBinaryGrad<float>(op, p, s, n);
  if (static_cast<DType>(dtype) == DType::Float64) return FloatBinaryGrad<double>(op, p, s, n);
}

}  // namespace HWY_NAMESPACE
}  // namespace keel::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include "kernels/cpu/dispatch.h"
#include "kernels/cpu/iter.h"

namespace keel::kernels {
KEEL_EXPORT(UnaryLoop);
KEEL_EXPORT(UnaryGradLoop);
KEEL_EXPORT(BinaryGradLoop);

namespace {

// Transcendental functions cost ~10x a copy per element: split them across threads sooner.
bool is_costly(UnaryOp op) {
  switch (op) {
#define KEEL_UNARY_COST(Kernel, fn, node, saved, domain, cost, ...) \
  case UnaryOp::Kernel:                                             \
    return op_table::Cost::cost == op_table::Cost::Costly;
    KEEL_SIMPLE_UNARY_OPS(KEEL_UNARY_COST)
#undef KEEL_UNARY_COST
    case UnaryOp::Pow:
    case UnaryOp::GeluErf:
    case UnaryOp::GeluTanh:
    case UnaryOp::Elu:
      return true;
    default:
      return false;
  }
}

}  // namespace

void unary(UnaryOp op, const View& out, const View& x, UnaryParams p) {
  const View* ops[2] = {&out, &x};
  ElementIter it(ops, 2);
  auto* fn = &KEEL_DISPATCH(UnaryLoop);
  const int dt = static_cast<int>(x.dtype);
  it.run([fn, op, dt, &p](char** ptr, const std::int64_t* s,
                          std::int64_t n) { fn(static_cast<int>(op), dt, &p, ptr, s, n); },
         is_costly(op) ? kGrain / 8 : kGrain);
}

void unary_backward(UnaryGradOp op, const View& out, const View& g, const View& s, UnaryParams p) {
  const View* ops[3] = {&out, &g, &s};
  ElementIter it(ops, 3);
  auto* fn = &KEEL_DISPATCH(UnaryGradLoop);
  const int dt = static_cast<int>(out.dtype);
  it.run([fn, op, dt, &p](char** ptr, const std::int64_t* st,
                          std::int64_t n) { fn(static_cast<int>(op), dt, &p, ptr, st, n); },
         kGrain / 4);
}

void binary_backward(BinaryGradOp op, const View& out, const View& g, const View& a, const View& b) {
  const View* ops[4] = {&out, &g, &a, &b};
  ElementIter it(ops, 4);
  auto* fn = &KEEL_DISPATCH(BinaryGradLoop);
  const int dt = static_cast<int>(out.dtype);
  it.run([fn, op, dt](char** ptr, const std::int64_t* st,
                      std::int64_t n) { fn(static_cast<int>(op), dt, ptr, st, n); },
         kGrain / 4);
}

}  // namespace keel::kernels
#endif
