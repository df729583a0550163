// Decoding uint8 image batches, compiled once per SIMD target by Highway (see binary.cpp).
// The scalar table lookup loads a byte and a float per pixel and was 5% of a 1-thread MLP
// epoch (docs/benchmarks.md). On the Zen 5 VM a gather of 16 table entries barely beats it
// (42 against 56 ms per epoch's 47 M pixels), while widening, converting and two vector
// divisions take 17.5 ms: the arithmetic form is the fast path, the table the exact reference.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/cpu/byte_lookup.cpp"
#include "kernels/cpu/byte_lookup.h"

#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include <cstdint>

HWY_BEFORE_NAMESPACE();
namespace keel::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

void ByteTableLookup(const std::uint8_t* HWY_RESTRICT src, float* HWY_RESTRICT dst, std::int64_t n,
                     const float* HWY_RESTRICT table) {
  const hn::ScalableTag<float> df;
  const hn::RebindToSigned<decltype(df)> di;
  const hn::Rebind<std::uint8_t, decltype(di)> du8;
  const std::int64_t N = static_cast<std::int64_t>(hn::Lanes(df));
  std::int64_t i = 0;
  for (; i + N <= n; i += N) {
    const auto index = hn::PromoteTo(di, hn::LoadU(du8, src + i));
    hn::StoreU(hn::GatherIndex(df, table, index), df, dst + i);
  }
  for (; i < n; ++i) dst[i] = table[src[i]];
}

void ByteAffineDecode(const std::uint8_t* HWY_RESTRICT src, float* HWY_RESTRICT dst, std::int64_t n,
                      float mean, float std) {
  const hn::ScalableTag<float> df;
  const hn::RebindToSigned<decltype(df)> di;
  const hn::Rebind<std::uint8_t, decltype(di)> du8;
  const std::int64_t N = static_cast<std::int64_t>(hn::Lanes(df));
  const auto k255 = hn::Set(df, 255.0f), m = hn::Set(df, mean), s = hn::Set(df, std);
  std::int64_t i = 0;
  for (; i + N <= n; i += N) {
    const auto v = hn::ConvertTo(df, hn::PromoteTo(di, hn::LoadU(du8, src + i)));
    hn::StoreU(hn::Div(hn::Sub(hn::Div(v, k255), m), s), df, dst + i);
  }
  for (; i < n; ++i) dst[i] = (static_cast<float>(src[i]) / 255.0f - mean) / std;
}

}  // namespace HWY_NAMESPACE
}  // namespace keel::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include "kernels/cpu/dispatch.h"

namespace keel::kernels {
KEEL_EXPORT(ByteTableLookup);
KEEL_EXPORT(ByteAffineDecode);

void byte_table_lookup(const std::uint8_t* src, float* dst, std::int64_t n, const float* table) {
  KEEL_DISPATCH(ByteTableLookup)(src, dst, n, table);
}

void byte_affine_decode(const std::uint8_t* src, float* dst, std::int64_t n, float mean, float std) {
  KEEL_DISPATCH(ByteAffineDecode)(src, dst, n, mean, std);
}

}  // namespace keel::kernels
#endif  // HWY_ONCE
