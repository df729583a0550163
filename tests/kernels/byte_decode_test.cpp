// The two ways of decoding uint8 image pixels: the table lookup (the exact reference) and the
// vectorized arithmetic, each against its scalar definition, over lengths that leave every
// possible tail after the vector loop.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "kernels/cpu/byte_lookup.h"

namespace {

std::vector<std::uint8_t> bytes(std::size_t n) {
  std::vector<std::uint8_t> b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>((i * 97 + 13) % 256);
  return b;
}

TEST(ByteDecode, TableLookupReadsTheTableAtEveryLengthAndTail) {
  float table[256];
  for (int b = 0; b < 256; ++b) table[b] = static_cast<float>(b) * -1.5f + 0.25f;
  for (std::size_t n : {0, 1, 7, 15, 16, 17, 33, 256, 784, 1000}) {
    const std::vector<std::uint8_t> src = bytes(n);
    std::vector<float> got(n + 1, 42.0f);
    keel::kernels::byte_table_lookup(src.data(), got.data(), static_cast<std::int64_t>(n), table);
    for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(got[i], table[src[i]]) << "n " << n << ", i " << i;
    EXPECT_EQ(got[n], 42.0f) << "wrote past the end, n " << n;
  }
}

TEST(ByteDecode, ArithmeticMatchesTheScalarFormulaBitForBit) {
  for (auto [mean, std] : {std::pair{0.2860f, 0.3530f}, std::pair{0.0f, 1.0f}, std::pair{0.5f, 0.5f},
                           std::pair{-3.25f, 0.001f}}) {
    for (std::size_t n : {0, 5, 16, 31, 256, 784}) {
      const std::vector<std::uint8_t> src = bytes(n);
      std::vector<float> got(n + 1, 42.0f);
      keel::kernels::byte_affine_decode(src.data(), got.data(), static_cast<std::int64_t>(n), mean, std);
      for (std::size_t i = 0; i < n; ++i) {
        const float want = (static_cast<float>(src[i]) / 255.0f - mean) / std;
        ASSERT_EQ(std::memcmp(&got[i], &want, sizeof(float)), 0)
            << "mean " << mean << ", n " << n << ", i " << i;
      }
      EXPECT_EQ(got[n], 42.0f) << "wrote past the end, n " << n;
    }
  }
}

}  // namespace
