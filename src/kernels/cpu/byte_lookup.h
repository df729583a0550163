#pragma once
// Decoding uint8 images per batch. Each byte's float (its division by 255, then the
// normalization) must be exactly what normalizing a decoded float set gives; the caller keeps
// those 256 values in a table, and uses the arithmetic form where it reproduces the table.
#include <cstdint>

namespace keel::kernels {

// dst[i] = table[src[i]] for i in [0, n).
void byte_table_lookup(const std::uint8_t* src, float* dst, std::int64_t n, const float* table);

// dst[i] = (float(src[i]) / 255 - mean) / std in float32, each operation correctly rounded
// (vector divisions round as scalar ones do, so every lane equals the scalar formula).
void byte_affine_decode(const std::uint8_t* src, float* dst, std::int64_t n, float mean, float std);

}  // namespace keel::kernels
