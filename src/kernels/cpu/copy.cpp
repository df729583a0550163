#include "kernels/cpu/copy.h"

#include <cstring>

#include "kernels/cpu/iter.h"
#include "kernels/cpu/type_switch.h"

namespace keel::kernels {

void copy(const View& dst, const View& src) {
  const View* ops[2] = {&dst, &src};
  ElementIter it(ops, 2);
  KERNEL_SWITCH_ALL(dst.dtype, "copy_", [&] {
    using out_t = scalar_t;
    KERNEL_SWITCH_ALL(src.dtype, "copy_", [&] {
      using in_t = scalar_t;
      it.run([](char** p, const std::int64_t* s, std::int64_t n) {
        auto* o = reinterpret_cast<out_t*>(p[0]);
        const auto* a = reinterpret_cast<const in_t*>(p[1]);
        if (s[0] == sizeof(out_t) && s[1] == sizeof(in_t)) {
          if constexpr (std::is_same_v<out_t, in_t>) {
            std::memcpy(o, a, static_cast<std::size_t>(n) * sizeof(out_t));
          } else {
            for (std::int64_t i = 0; i < n; ++i) o[i] = static_cast<out_t>(a[i]);
          }
        } else {
          for (std::int64_t i = 0; i < n; ++i)
            *reinterpret_cast<out_t*>(p[0] + i * s[0]) =
                static_cast<out_t>(*reinterpret_cast<const in_t*>(p[1] + i * s[1]));
        }
      });
    });
  });
}

void fill(const View& dst, double value) {
  const View* ops[1] = {&dst};
  ElementIter it(ops, 1);
  KERNEL_SWITCH_ALL(dst.dtype, "fill_", [&] {
    const auto v = static_cast<scalar_t>(value);
    it.run([v](char** p, const std::int64_t* s, std::int64_t n) {
      if (s[0] == sizeof(scalar_t)) {
        auto* o = reinterpret_cast<scalar_t*>(p[0]);
        for (std::int64_t i = 0; i < n; ++i) o[i] = v;
      } else {
        for (std::int64_t i = 0; i < n; ++i) *reinterpret_cast<scalar_t*>(p[0] + i * s[0]) = v;
      }
    });
  });
}

}  // namespace keel::kernels
