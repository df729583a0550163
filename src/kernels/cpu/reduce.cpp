// Reduction loops, compiled once per SIMD target by Highway (see binary.cpp). The per-target
// part reduces one block of the (A, B, C) view into accumulators; the driver below (compiled
// once) splits the work across threads and combines and finishes the accumulators.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/cpu/reduce.cpp"
// clang-format off
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>
// clang-format on

#include "kernels/cpu/reduce.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

HWY_BEFORE_NAMESPACE();
namespace keel::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Columns are reduced in tiles of this many outputs, whose accumulators stay in L1.
constexpr std::int64_t kTile = 512;

constexpr bool IsMinMax(ReduceOp op) {
  return op == ReduceOp::Max || op == ReduceOp::Min || op == ReduceOp::MaxAbs || op == ReduceOp::MinAbs;
}

// The value a sum-like op adds for one element.
template <ReduceOp op, class T, class Acc>
HWY_INLINE Acc Term(T x, double p, double center) {
  if constexpr (op == ReduceOp::Sum) return static_cast<Acc>(x);
  if constexpr (op == ReduceOp::CountNonzero) return static_cast<Acc>(x != T(0));
  if constexpr (op == ReduceOp::SumAbs) return std::fabs(static_cast<double>(x));
  if constexpr (op == ReduceOp::SumSq) return static_cast<double>(x) * static_cast<double>(x);
  if constexpr (op == ReduceOp::SumPow) return std::pow(std::fabs(static_cast<double>(x)), p);
  if constexpr (op == ReduceOp::SumSqDev) {
    const double d = static_cast<double>(x) - center;
    return d * d;
  }
  return Acc(0);
}

// The value a min/max op compares for one element.
template <ReduceOp op, class T>
HWY_INLINE T Key(T x) {
  if constexpr (op == ReduceOp::MaxAbs || op == ReduceOp::MinAbs) {
    return x < T(0) ? T(-x) : x;
  } else {
    return x;
  }
}

// NaN-propagating max/min step: once m is NaN it stays NaN.
template <ReduceOp op, class T>
HWY_INLINE T Pick(T m, T v) {
  constexpr bool kMax = op == ReduceOp::Max || op == ReduceOp::MaxAbs;
  const bool better = kMax ? v > m : v < m;
  return (better || v != v) ? v : m;
}

// Sum of a contiguous float row: vector accumulators inside blocks (fast, and short enough
// to stay accurate), block totals added in double.
template <class T>
double RowSum(const T* HWY_RESTRICT p, std::int64_t n) {
  const hn::ScalableTag<T> d;
  const std::int64_t N = static_cast<std::int64_t>(hn::Lanes(d));
  // Each accumulator lane adds at most 32 values per block, whatever the vector width, so
  // narrow targets (AVX2, the scalar fallback) are as accurate as AVX-512.
  const std::int64_t kBlock = std::min<std::int64_t>(2048, 128 * N);
  double total = 0.0;
  for (std::int64_t start = 0; start < n; start += kBlock) {
    const std::int64_t len = std::min(kBlock, n - start);
    const T* HWY_RESTRICT q = p + start;
    auto a0 = hn::Zero(d), a1 = hn::Zero(d), a2 = hn::Zero(d), a3 = hn::Zero(d);
    std::int64_t i = 0;
    for (; i + 4 * N <= len; i += 4 * N) {
      a0 = hn::Add(a0, hn::LoadU(d, q + i));
      a1 = hn::Add(a1, hn::LoadU(d, q + i + N));
      a2 = hn::Add(a2, hn::LoadU(d, q + i + 2 * N));
      a3 = hn::Add(a3, hn::LoadU(d, q + i + 3 * N));
    }
    for (; i + N <= len; i += N) a0 = hn::Add(a0, hn::LoadU(d, q + i));
    T s = hn::GetLane(hn::SumOfLanes(d, hn::Add(hn::Add(a0, a1), hn::Add(a2, a3))));
    for (; i < len; ++i) s += q[i];
    total += static_cast<double>(s);
  }
  return total;
}

// Max/min of a contiguous float row with vector Max/Min; NaNs are tracked separately since
// the vector ops do not propagate them.
template <ReduceOp op, class T>
T RowMinMax(const T* HWY_RESTRICT p, std::int64_t n) {
  constexpr bool kMax = op == ReduceOp::Max || op == ReduceOp::MaxAbs;
  constexpr bool kAbs = op == ReduceOp::MaxAbs || op == ReduceOp::MinAbs;
  const hn::ScalableTag<T> d;
  const std::int64_t N = static_cast<std::int64_t>(hn::Lanes(d));
  auto m0 = hn::Set(d, Key<op>(p[0])), m1 = m0;
  auto nan = hn::Zero(d);
  std::int64_t i = 0;
  for (; i + 2 * N <= n; i += 2 * N) {
    auto v0 = hn::LoadU(d, p + i), v1 = hn::LoadU(d, p + i + N);
    if constexpr (kAbs) {
      v0 = hn::Abs(v0);
      v1 = hn::Abs(v1);
    }
    m0 = kMax ? hn::Max(m0, v0) : hn::Min(m0, v0);
    m1 = kMax ? hn::Max(m1, v1) : hn::Min(m1, v1);
    if constexpr (std::is_floating_point_v<T>) {  // (Highway's Ne is an ordered compare: false for NaN)
      nan = hn::Or(nan, hn::Or(hn::VecFromMask(d, hn::IsNaN(v0)), hn::VecFromMask(d, hn::IsNaN(v1))));
    }
  }
  const auto m = kMax ? hn::Max(m0, m1) : hn::Min(m0, m1);
  T r = hn::GetLane(kMax ? hn::MaxOfLanes(d, m) : hn::MinOfLanes(d, m));
  if constexpr (std::is_floating_point_v<T>) {
    if (!hn::AllTrue(d, hn::Eq(nan, hn::Zero(d)))) return static_cast<T>(NAN);
  }
  for (; i < n; ++i) r = Pick<op>(r, Key<op>(p[i]));
  return r;
}

template <ReduceOp op, class T, class Acc>
Acc RowReduce(const T* HWY_RESTRICT p, std::int64_t n, double pw, double center) {
  if constexpr (IsMinMax(op) && std::is_floating_point_v<T>) {
    return RowMinMax<op>(p, n);
  } else if constexpr (IsMinMax(op)) {
    T m = Key<op>(p[0]);
    for (std::int64_t i = 1; i < n; ++i) m = Pick<op>(m, Key<op>(p[i]));
    return m;
  } else if constexpr (op == ReduceOp::Sum && std::is_floating_point_v<T>) {
    return RowSum(p, n);
  } else {
    Acc acc = 0;
#pragma omp simd reduction(+ : acc)
    for (std::int64_t i = 0; i < n; ++i) acc += Term<op, T, Acc>(p[i], pw, center);
    return acc;
  }
}

// acc[a * C + c] = reduction over b in [b0, b1) of x[a, b, c], for a in [a0, a1), c in [c0, c1).
template <ReduceOp op, class T, class Acc>
void Block(const T* HWY_RESTRICT x, Acc* HWY_RESTRICT acc, std::int64_t B, std::int64_t C, std::int64_t a0,
           std::int64_t a1, std::int64_t b0, std::int64_t b1, std::int64_t c0, std::int64_t c1,
           const ReduceParams& prm) {
  const double* center = prm.center;
  for (std::int64_t a = a0; a < a1; ++a) {
    if (C == 1) {
      acc[a] = RowReduce<op, T, Acc>(x + a * B + b0, b1 - b0, prm.p, center ? center[a] : 0.0);
      continue;
    }
    for (std::int64_t c = c0; c < c1; c += kTile) {
      const std::int64_t w = std::min(kTile, c1 - c);
      Acc tmp[kTile];
      const T* HWY_RESTRICT base = x + (a * B) * C + c;
      if constexpr (IsMinMax(op)) {
        const T* HWY_RESTRICT row = base + b0 * C;
        for (std::int64_t j = 0; j < w; ++j) tmp[j] = Key<op>(row[j]);
        for (std::int64_t b = b0 + 1; b < b1; ++b) {
          row = base + b * C;
          for (std::int64_t j = 0; j < w; ++j) tmp[j] = Pick<op>(tmp[j], Key<op>(row[j]));
        }
      } else {
        for (std::int64_t j = 0; j < w; ++j) tmp[j] = 0;
        const double* HWY_RESTRICT cen = center ? center + a * C + c : nullptr;
        for (std::int64_t b = b0; b < b1; ++b) {
          const T* HWY_RESTRICT row = base + b * C;
          if constexpr (op == ReduceOp::SumSqDev) {
            for (std::int64_t j = 0; j < w; ++j) tmp[j] += Term<op, T, Acc>(row[j], 0.0, cen[j]);
          } else {
            for (std::int64_t j = 0; j < w; ++j) tmp[j] += Term<op, T, Acc>(row[j], prm.p, 0.0);
          }
        }
      }
      for (std::int64_t j = 0; j < w; ++j) acc[a * C + c + j] = tmp[j];
    }
  }
}

template <class T>
void TypedBlock(ReduceOp op, const void* x, void* acc, std::int64_t B, std::int64_t C, std::int64_t a0,
                std::int64_t a1, std::int64_t b0, std::int64_t b1, std::int64_t c0, std::int64_t c1,
                const ReduceParams& prm) {
  const T* xp = static_cast<const T*>(x);
  using SumAcc = std::conditional_t<std::is_integral_v<T>, std::int64_t, double>;
  SumAcc* sa = static_cast<SumAcc*>(acc);
  T* ma = static_cast<T*>(acc);
#define KEEL_BLOCK_SUM(OP) return Block<ReduceOp::OP, T, SumAcc>(xp, sa, B, C, a0, a1, b0, b1, c0, c1, prm)
#define KEEL_BLOCK_MM(OP) return Block<ReduceOp::OP, T, T>(xp, ma, B, C, a0, a1, b0, b1, c0, c1, prm)
  switch (op) {
    case ReduceOp::Sum:
      KEEL_BLOCK_SUM(Sum);
    case ReduceOp::CountNonzero:
      KEEL_BLOCK_SUM(CountNonzero);
    case ReduceOp::Max:
      KEEL_BLOCK_MM(Max);
    case ReduceOp::Min:
      KEEL_BLOCK_MM(Min);
    default:
      break;
  }
  if constexpr (std::is_floating_point_v<T>) {
    switch (op) {
      case ReduceOp::SumAbs:
        KEEL_BLOCK_SUM(SumAbs);
      case ReduceOp::SumSq:
        KEEL_BLOCK_SUM(SumSq);
      case ReduceOp::SumPow:
        KEEL_BLOCK_SUM(SumPow);
      case ReduceOp::SumSqDev:
        KEEL_BLOCK_SUM(SumSqDev);
      case ReduceOp::MaxAbs:
        KEEL_BLOCK_MM(MaxAbs);
      case ReduceOp::MinAbs:
        KEEL_BLOCK_MM(MinAbs);
      default:
        break;
    }
  }
#undef KEEL_BLOCK_SUM
#undef KEEL_BLOCK_MM
}

void ReduceBlock(int op, int dtype, const void* x, void* acc, std::int64_t B, std::int64_t C, std::int64_t a0,
                 std::int64_t a1, std::int64_t b0, std::int64_t b1, std::int64_t c0, std::int64_t c1,
                 const ReduceParams* prm) {
  const ReduceOp o = static_cast<ReduceOp>(op);
  switch (static_cast<DType>(dtype)) {
    case DType::Float32:
      return TypedBlock<float>(o, x, acc, B, C, a0, a1, b0, b1, c0, c1, *prm);
    case DType::Float64:
      return TypedBlock<double>(o, x, acc, B, C, a0, a1, b0, b1, c0, c1, *prm);
    case DType::Int64:
      return TypedBlock<std::int64_t>(o, x, acc, B, C, a0, a1, b0, b1, c0, c1, *prm);
    default:
      return;
  }
}

// Arg max/min: (value, first index) with NaN as the extreme.
template <class T, bool kMax>
HWY_INLINE bool Takes(T best, T v) {
  if (best != best) return false;
  return (kMax ? v > best : v < best) || v != v;
}

template <class T, bool kMax>
void ArgTyped(const T* HWY_RESTRICT x, T* HWY_RESTRICT vals, std::int64_t* HWY_RESTRICT idx, std::int64_t B,
              std::int64_t C, std::int64_t a0, std::int64_t a1) {
  for (std::int64_t a = a0; a < a1; ++a) {
    const T* base = x + a * B * C;
    if (C == 1) {
      // The extreme value with vector ops, then the first index holding it.
      const T best = kMax ? RowMinMax<ReduceOp::Max>(base, B) : RowMinMax<ReduceOp::Min>(base, B);
      std::int64_t bi = 0;
      if (best != best) {
        while (base[bi] == base[bi]) ++bi;
      } else {
        while (base[bi] != best) ++bi;
      }
      vals[a] = best;
      idx[a] = bi;
      continue;
    }
    for (std::int64_t c = 0; c < C; c += kTile) {
      const std::int64_t w = std::min(kTile, C - c);
      T best[kTile];
      std::int64_t bi[kTile];
      for (std::int64_t j = 0; j < w; ++j) {
        best[j] = base[c + j];
        bi[j] = 0;
      }
      for (std::int64_t b = 1; b < B; ++b) {
        const T* row = base + b * C + c;
        for (std::int64_t j = 0; j < w; ++j) {
          if (Takes<T, kMax>(best[j], row[j])) {
            best[j] = row[j];
            bi[j] = b;
          }
        }
      }
      for (std::int64_t j = 0; j < w; ++j) {
        vals[a * C + c + j] = best[j];
        idx[a * C + c + j] = bi[j];
      }
    }
  }
}

template <class T>
void ArgDispatch(bool is_max, const void* x, void* vals, std::int64_t* idx, std::int64_t B, std::int64_t C,
                 std::int64_t a0, std::int64_t a1) {
  const T* xp = static_cast<const T*>(x);
  T* vp = static_cast<T*>(vals);
  if (is_max) {
    ArgTyped<T, true>(xp, vp, idx, B, C, a0, a1);
  } else {
    ArgTyped<T, false>(xp, vp, idx, B, C, a0, a1);
  }
}

void ArgBlock(int is_max, int dtype, const void* x, void* vals, std::int64_t* idx, std::int64_t B,
              std::int64_t C, std::int64_t a0, std::int64_t a1) {
  switch (static_cast<DType>(dtype)) {
    case DType::Float32:
      return ArgDispatch<float>(is_max, x, vals, idx, B, C, a0, a1);
    case DType::Float64:
      return ArgDispatch<double>(is_max, x, vals, idx, B, C, a0, a1);
    case DType::Int64:
      return ArgDispatch<std::int64_t>(is_max, x, vals, idx, B, C, a0, a1);
    default:
      return;
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace keel::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include <vector>

#include "kernels/cpu/dispatch.h"
#include "kernels/cpu/parallel.h"
#include "kernels/cpu/type_switch.h"

namespace keel::kernels {
KEEL_EXPORT(ReduceBlock);
KEEL_EXPORT(ArgBlock);

namespace {

bool is_minmax(ReduceOp op) {
  return op == ReduceOp::Max || op == ReduceOp::Min || op == ReduceOp::MaxAbs || op == ReduceOp::MinAbs;
}

template <class Acc>
Acc combine(ReduceOp op, Acc a, Acc b) {
  if (!is_minmax(op)) return a + b;
  if (a != a) return a;
  if (b != b) return b;
  const bool is_max = op == ReduceOp::Max || op == ReduceOp::MaxAbs;
  return is_max ? (b > a ? b : a) : (b < a ? b : a);
}

// Combines the per-chunk accumulators of outputs [lo, hi) and writes them as Out.
template <class Acc, class Out>
void finish(ReduceOp op, const Acc* acc, std::int64_t chunks, std::int64_t nout, Out* out,
            const ReduceParams& prm, std::int64_t lo, std::int64_t hi) {
  const bool plain = is_minmax(op) || (prm.divisor == 1.0 && prm.root == ReduceRoot::None);
  for (std::int64_t i = lo; i < hi; ++i) {
    Acc v = acc[i];
    for (std::int64_t k = 1; k < chunks; ++k) v = combine(op, v, acc[k * nout + i]);
    if (plain) {
      out[i] = static_cast<Out>(v);
      continue;
    }
    double r = static_cast<double>(v) / prm.divisor;
    if (prm.root == ReduceRoot::Sqrt) r = std::sqrt(r);
    if (prm.root == ReduceRoot::Pow) r = std::pow(r, 1.0 / prm.p);
    out[i] = static_cast<Out>(r);
  }
}

template <class Acc>
void finish_any(ReduceOp op, const Acc* acc, std::int64_t chunks, std::int64_t nout, const View& out,
                const ReduceParams& prm) {
  KERNEL_SWITCH_NUMERIC(out.dtype, "reduce", [&] {
    scalar_t* o = out.data_ptr<scalar_t>();
    parallel_for(0, nout, kGrain / std::max<std::int64_t>(1, chunks),
                 [&](std::int64_t lo, std::int64_t hi) { finish(op, acc, chunks, nout, o, prm, lo, hi); });
  });
}

}  // namespace

void reduce(ReduceOp op, const View& out, const View& x, std::int64_t A, std::int64_t B, std::int64_t C,
            const ReduceParams& params) {
  const std::int64_t nout = A * C;
  if (nout == 0) return;
  // Split outputs (a, then c) and the reduced range (b) into about one piece per thread.
  // Rows prefer splitting a; columns prefer splitting b, so each thread streams whole rows.
  const std::int64_t total = nout * B;
  const std::int64_t threads = omp_in_parallel() ? 1 : omp_get_max_threads();
  const std::int64_t want = total >= 2 * kGrain ? std::min<std::int64_t>(threads, total / kGrain) : 1;
  std::int64_t na = std::min(A, want);
  std::int64_t rem = (want + na - 1) / na;
  std::int64_t nb = 1, nc = 1;
  if (C == 1) {
    nb = std::clamp<std::int64_t>(B / 4096, 1, rem);
  } else {
    nb = std::clamp<std::int64_t>(B / 16, 1, rem);
    rem = (rem + nb - 1) / nb;
    nc = std::clamp<std::int64_t>((C + 63) / 64, 1, rem);
  }
  const bool mm = is_minmax(op);
  const std::size_t acc_size = mm ? x.element_size() : 8;
  std::vector<char> buf(static_cast<std::size_t>(nb * nout) * acc_size);
  auto* fn = &KEEL_DISPATCH(ReduceBlock);
  const int iop = static_cast<int>(op), dt = static_cast<int>(x.dtype);
  const char* xp = static_cast<const char*>(x.data);
  char* bp = buf.data();
  parallel_for(0, na * nb * nc, 1, [&](std::int64_t lo, std::int64_t hi) {
    for (std::int64_t it = lo; it < hi; ++it) {
      const std::int64_t ia = it / (nb * nc), ib = (it / nc) % nb, ic = it % nc;
      const std::int64_t a0 = A * ia / na, a1 = A * (ia + 1) / na;
      const std::int64_t b0 = B * ib / nb, b1 = B * (ib + 1) / nb;
      const std::int64_t c0 = C * ic / nc, c1 = C * (ic + 1) / nc;
      fn(iop, dt, xp, bp + ib * nout * acc_size, B, C, a0, a1, b0, b1, c0, c1, &params);
    }
  });
  if (!mm) {
    if (x.dtype == kInt64) {
      finish_any(op, reinterpret_cast<const std::int64_t*>(bp), nb, nout, out, params);
    } else {
      finish_any(op, reinterpret_cast<const double*>(bp), nb, nout, out, params);
    }
    return;
  }
  KERNEL_SWITCH_NUMERIC(x.dtype, "reduce", [&] {
    finish_any(op, reinterpret_cast<const scalar_t*>(bp), nb, nout, out, params);
  });
}

void arg_reduce(bool is_max, const View& values, const View& indices, const View& x, std::int64_t A,
                std::int64_t B, std::int64_t C) {
  if (A * C == 0) return;
  auto* fn = &KEEL_DISPATCH(ArgBlock);
  const int dt = static_cast<int>(x.dtype);
  const void* xp = x.data;
  void* vp = values.data;
  std::int64_t* ip = indices.data_ptr<std::int64_t>();
  parallel_for(0, A, std::max<std::int64_t>(1, kGrain / (B * C)),
               [&](std::int64_t lo, std::int64_t hi) { fn(is_max ? 1 : 0, dt, xp, vp, ip, B, C, lo, hi); });
}

}  // namespace keel::kernels
#endif
