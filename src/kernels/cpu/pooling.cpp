// Pooling loops. Each plane is independent, so work splits over planes; the grain keeps
// small inputs on one thread.
#include "kernels/cpu/pooling.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include "kernels/cpu/max_pool_2x2.h"
#include "kernels/cpu/parallel.h"

namespace keel::kernels {
namespace {

// Planes per parallel chunk so that a chunk touches about kGrain input elements.
std::int64_t plane_grain(const Pool2dShape& s) {
  return std::max<std::int64_t>(1, kGrain / std::max<std::int64_t>(1, s.h * s.w));
}

// Average window [y0, y1) x [x0, x1) of output (oy, ox) and its divisor.
struct AvgWindow {
  std::int64_t y0, y1, x0, x1, count;
};
AvgWindow avg_window(const Pool2dShape& s, bool count_include_pad, std::int64_t oy, std::int64_t ox) {
  std::int64_t y0 = oy * s.sh - s.ph, x0 = ox * s.sw - s.pw;
  std::int64_t y1 = std::min(y0 + s.kh, s.h + s.ph), x1 = std::min(x0 + s.kw, s.w + s.pw);
  std::int64_t padded = (y1 - y0) * (x1 - x0);
  y0 = std::max<std::int64_t>(y0, 0);
  x0 = std::max<std::int64_t>(x0, 0);
  y1 = std::min(y1, s.h);
  x1 = std::min(x1, s.w);
  return {y0, y1, x0, x1, count_include_pad ? padded : (y1 - y0) * (x1 - x0)};
}

std::int64_t start_index(std::int64_t i, std::int64_t out, std::int64_t in) { return (i * in) / out; }
std::int64_t end_index(std::int64_t i, std::int64_t out, std::int64_t in) {
  return ((i + 1) * in + out - 1) / out;
}

bool is_plain_2x2(const Pool2dShape& s) {
  // (MaxPool2d(2): the vectorized kernel; its indices are int32 inside a plane.)
  return s.h * s.w < (std::int64_t{1} << 31) && s.kh == 2 && s.kw == 2 && s.sh == 2 && s.sw == 2 &&
         s.ph == 0 && s.pw == 0 && s.dh == 1 && s.dw == 1 && 2 * s.oh <= s.h && 2 * s.ow <= s.w;
}

}  // namespace

template <class T>
void max_pool2d_forward(const Pool2dShape& s, const T* x, T* y, std::int64_t* idx) {
  const bool plain_2x2 = is_plain_2x2(s);
  parallel_for(0, s.planes, plane_grain(s), [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t p = b; p < e; ++p) {
      if constexpr (std::is_same_v<T, float>) {
        if (plain_2x2) {
          max_pool_2x2_plane(x + p * s.h * s.w, y + p * s.oh * s.ow, idx + p * s.oh * s.ow, s.h, s.w, s.oh,
                             s.ow);
          continue;
        }
      }
      const T* xp = x + p * s.h * s.w;
      T* yp = y + p * s.oh * s.ow;
      std::int64_t* ip = idx + p * s.oh * s.ow;
      for (std::int64_t oy = 0; oy < s.oh; ++oy) {
        std::int64_t y0 = oy * s.sh - s.ph;
        std::int64_t y1 = std::min(y0 + (s.kh - 1) * s.dh + 1, s.h);
        while (y0 < 0) y0 += s.dh;
        for (std::int64_t ox = 0; ox < s.ow; ++ox) {
          std::int64_t x0 = ox * s.sw - s.pw;
          std::int64_t x1 = std::min(x0 + (s.kw - 1) * s.dw + 1, s.w);
          while (x0 < 0) x0 += s.dw;
          std::int64_t best = y0 * s.w + x0;
          T m = -std::numeric_limits<T>::infinity();
          for (std::int64_t iy = y0; iy < y1; iy += s.dh) {
            for (std::int64_t ix = x0; ix < x1; ix += s.dw) {
              const T v = xp[iy * s.w + ix];
              if (v > m || std::isnan(v)) {
                m = v;
                best = iy * s.w + ix;
              }
            }
          }
          yp[oy * s.ow + ox] = m;
          ip[oy * s.ow + ox] = best;
        }
      }
    }
  });
}

template <class T>
void max_pool2d_backward(const Pool2dShape& s, const T* gy, const std::int64_t* idx, T* gx) {
  if constexpr (std::is_same_v<T, float>) {
    if (is_plain_2x2(s)) {
      parallel_for(0, s.planes, plane_grain(s), [&](std::int64_t b, std::int64_t e) {
        for (std::int64_t p = b; p < e; ++p)
          max_pool_2x2_backward_plane(gy + p * s.oh * s.ow, idx + p * s.oh * s.ow, gx + p * s.h * s.w, s.h,
                                      s.w, s.oh, s.ow);
      });
      return;
    }
  }
  parallel_for(0, s.planes, plane_grain(s), [&](std::int64_t b, std::int64_t e) {
    std::fill(gx + b * s.h * s.w, gx + e * s.h * s.w, T(0));
    for (std::int64_t p = b; p < e; ++p) {
      T* gp = gx + p * s.h * s.w;
      const T* g = gy + p * s.oh * s.ow;
      const std::int64_t* ip = idx + p * s.oh * s.ow;
      for (std::int64_t j = 0; j < s.oh * s.ow; ++j) gp[ip[j]] += g[j];
    }
  });
}

template <class T>
void avg_pool2d_forward(const Pool2dShape& s, bool count_include_pad, const T* x, T* y) {
  parallel_for(0, s.planes, plane_grain(s), [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t p = b; p < e; ++p) {
      const T* xp = x + p * s.h * s.w;
      T* yp = y + p * s.oh * s.ow;
      for (std::int64_t oy = 0; oy < s.oh; ++oy) {
        for (std::int64_t ox = 0; ox < s.ow; ++ox) {
          AvgWindow win = avg_window(s, count_include_pad, oy, ox);
          T sum = 0;
          for (std::int64_t iy = win.y0; iy < win.y1; ++iy)
            for (std::int64_t ix = win.x0; ix < win.x1; ++ix) sum += xp[iy * s.w + ix];
          yp[oy * s.ow + ox] = sum / static_cast<T>(win.count);
        }
      }
    }
  });
}

template <class T>
void avg_pool2d_backward(const Pool2dShape& s, bool count_include_pad, const T* gy, T* gx) {
  parallel_for(0, s.planes, plane_grain(s), [&](std::int64_t b, std::int64_t e) {
    std::fill(gx + b * s.h * s.w, gx + e * s.h * s.w, T(0));
    for (std::int64_t p = b; p < e; ++p) {
      T* gp = gx + p * s.h * s.w;
      const T* g = gy + p * s.oh * s.ow;
      for (std::int64_t oy = 0; oy < s.oh; ++oy) {
        for (std::int64_t ox = 0; ox < s.ow; ++ox) {
          AvgWindow win = avg_window(s, count_include_pad, oy, ox);
          const T v = g[oy * s.ow + ox] / static_cast<T>(win.count);
          for (std::int64_t iy = win.y0; iy < win.y1; ++iy)
            for (std::int64_t ix = win.x0; ix < win.x1; ++ix) gp[iy * s.w + ix] += v;
        }
      }
    }
  });
}

template <class T>
void adaptive_avg_pool2d_forward(const Pool2dShape& s, const T* x, T* y) {
  parallel_for(0, s.planes, plane_grain(s), [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t p = b; p < e; ++p) {
      const T* xp = x + p * s.h * s.w;
      T* yp = y + p * s.oh * s.ow;
      for (std::int64_t oy = 0; oy < s.oh; ++oy) {
        const std::int64_t y0 = start_index(oy, s.oh, s.h), y1 = end_index(oy, s.oh, s.h);
        for (std::int64_t ox = 0; ox < s.ow; ++ox) {
          const std::int64_t x0 = start_index(ox, s.ow, s.w), x1 = end_index(ox, s.ow, s.w);
          T sum = 0;
          for (std::int64_t iy = y0; iy < y1; ++iy)
            for (std::int64_t ix = x0; ix < x1; ++ix) sum += xp[iy * s.w + ix];
          yp[oy * s.ow + ox] = sum / static_cast<T>((y1 - y0) * (x1 - x0));
        }
      }
    }
  });
}

template <class T>
void adaptive_avg_pool2d_backward(const Pool2dShape& s, const T* gy, T* gx) {
  parallel_for(0, s.planes, plane_grain(s), [&](std::int64_t b, std::int64_t e) {
    std::fill(gx + b * s.h * s.w, gx + e * s.h * s.w, T(0));
    for (std::int64_t p = b; p < e; ++p) {
      T* gp = gx + p * s.h * s.w;
      const T* g = gy + p * s.oh * s.ow;
      for (std::int64_t oy = 0; oy < s.oh; ++oy) {
        const std::int64_t y0 = start_index(oy, s.oh, s.h), y1 = end_index(oy, s.oh, s.h);
        for (std::int64_t ox = 0; ox < s.ow; ++ox) {
          const std::int64_t x0 = start_index(ox, s.ow, s.w), x1 = end_index(ox, s.ow, s.w);
          const T v = g[oy * s.ow + ox] / static_cast<T>((y1 - y0) * (x1 - x0));
          for (std::int64_t iy = y0; iy < y1; ++iy)
            for (std::int64_t ix = x0; ix < x1; ++ix) gp[iy * s.w + ix] += v;
        }
      }
    }
  });
}

#define KEEL_POOL_INSTANTIATE(T)                                                               \
  template void max_pool2d_forward<T>(const Pool2dShape&, const T*, T*, std::int64_t*);        \
  template void max_pool2d_backward<T>(const Pool2dShape&, const T*, const std::int64_t*, T*); \
  template void avg_pool2d_forward<T>(const Pool2dShape&, bool, const T*, T*);                 \
  template void avg_pool2d_backward<T>(const Pool2dShape&, bool, const T*, T*);                \
  template void adaptive_avg_pool2d_forward<T>(const Pool2dShape&, const T*, T*);              \
  template void adaptive_avg_pool2d_backward<T>(const Pool2dShape&, const T*, T*);
KEEL_POOL_INSTANTIATE(float)
KEEL_POOL_INSTANTIATE(double)
#undef KEEL_POOL_INSTANTIATE

}  // namespace keel::kernels
