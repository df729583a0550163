#pragma once
// MaxPool2d(2) on float32 planes: 2x2 windows, stride 2, no padding or dilation, the case
// of most CNNs. Vectorized over output columns; same results and indices as the generic loop.
#include <cstdint>

namespace keel::kernels {

// One (h, w) plane -> (oh, ow) maxima and flat argmax indices (iy * w + ix); needs
// 2 * oh <= h, 2 * ow <= w and h * w < 2^31.
void max_pool_2x2_plane(const float* x, float* y, std::int64_t* idx, std::int64_t h, std::int64_t w,
                        std::int64_t oh, std::int64_t ow);

// The same with int32 indices (planes under 2^31 elements).
void max_pool_2x2_plane(const float* x, float* y, std::int32_t* idx, std::int64_t h, std::int64_t w,
                        std::int64_t oh, std::int64_t ow);

// Its backward: gx (h, w, overwritten) from gy and the indices of the forward.
void max_pool_2x2_backward_plane(const float* gy, const std::int64_t* idx, float* gx, std::int64_t h,
                                 std::int64_t w, std::int64_t oh, std::int64_t ow);

}  // namespace keel::kernels
