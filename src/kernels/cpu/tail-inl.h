// Loads and stores of the first `count` lanes of a vector, for row tails shorter than one
// vector. Per-target header: include it inside a Highway foreach_target kernel file.
// Where masked memory operations might touch the masked-out lanes (HWY_MEM_OPS_MIGHT_FAULT:
// SSE targets, AVX2 in Highway 1.0), the tail goes through a stack buffer so nothing past
// p + count is read or written.
#if defined(KEEL_KERNELS_CPU_TAIL_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef KEEL_KERNELS_CPU_TAIL_INL_H_
#undef KEEL_KERNELS_CPU_TAIL_INL_H_
#else
#define KEEL_KERNELS_CPU_TAIL_INL_H_
#endif

#include <hwy/highway.h>

#include <cstddef>
#include <cstring>

HWY_BEFORE_NAMESPACE();
namespace keel::kernels {
namespace HWY_NAMESPACE {

// The first `count` elements at p in the low lanes, zeros above (count >= the vector's lanes:
// a whole vector).
template <class D, class T>
HWY_INLINE hwy::HWY_NAMESPACE::Vec<D> LoadFirst(D d, const T* HWY_RESTRICT p, std::size_t count) {
  if (count == 0) return hwy::HWY_NAMESPACE::Zero(d);
  if (count >= hwy::HWY_NAMESPACE::Lanes(d)) return hwy::HWY_NAMESPACE::LoadU(d, p);
#if HWY_MEM_OPS_MIGHT_FAULT || HWY_TARGET == HWY_SCALAR  // (scalar MaskedLoad loads regardless)
  HWY_ALIGN T buf[HWY_MAX_BYTES / sizeof(T)] = {};
  std::memcpy(buf, p, count * sizeof(T));
  return hwy::HWY_NAMESPACE::Load(d, buf);
#else
  return hwy::HWY_NAMESPACE::MaskedLoad(hwy::HWY_NAMESPACE::FirstN(d, count), d, p);
#endif
}

// Stores the low `count` lanes of v at p (all of them when count >= lanes); memory after
// p + count is untouched.
template <class D, class T>
HWY_INLINE void StoreFirst(hwy::HWY_NAMESPACE::Vec<D> v, D d, T* HWY_RESTRICT p, std::size_t count) {
  if (count == 0) return;
  if (count >= hwy::HWY_NAMESPACE::Lanes(d)) return hwy::HWY_NAMESPACE::StoreU(v, d, p);
#if HWY_MEM_OPS_MIGHT_FAULT || HWY_TARGET == HWY_SCALAR
  HWY_ALIGN T buf[HWY_MAX_BYTES / sizeof(T)];
  hwy::HWY_NAMESPACE::Store(v, d, buf);
  std::memcpy(p, buf, count * sizeof(T));
#else
  hwy::HWY_NAMESPACE::BlendedStore(v, hwy::HWY_NAMESPACE::FirstN(d, count), d, p);
#endif
}

}  // namespace HWY_NAMESPACE
}  // namespace keel::kernels
HWY_AFTER_NAMESPACE();

#endif  // KEEL_KERNELS_CPU_TAIL_INL_H_
