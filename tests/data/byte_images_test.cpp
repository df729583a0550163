#include "keel/data/byte_images.h"

#include <gtest/gtest.h>

#include <cstring>

#include "keel/autograd/grad_mode.h"
#include "keel/data/dataloader.h"
#include "keel/tensor/factories.h"

namespace keel {
namespace {

using data::ByteImageDataset;
using data::PixelNormalization;

// n images of 2 x 3 pixels whose bytes run through every value 0..255 (wrapping).
std::shared_ptr<const std::vector<std::uint8_t>> pixels(std::int64_t n) {
  auto p = std::make_shared<std::vector<std::uint8_t>>(static_cast<std::size_t>(n * 6));
  for (std::size_t i = 0; i < p->size(); ++i) (*p)[i] = static_cast<std::uint8_t>((i * 37 + 11) % 256);
  return p;
}

// What decoding the whole set to float and normalizing it in place gave before the bytes were
// kept: the reference the per-batch conversion must match bit for bit.
Tensor decoded_then_normalized(const std::vector<std::uint8_t>& bytes, Dims shape, PixelNormalization n) {
  Tensor x = empty(shape, kFloat32);
  float* p = x.data_ptr<float>();
  for (std::size_t i = 0; i < bytes.size(); ++i) p[i] = static_cast<float>(bytes[i]) / 255.0f;
  if (!n.identity()) {
    NoGradGuard no_grad;
    x.sub_(n.mean).div_(n.std);
  }
  return x;
}

bool same_bits(const Tensor& a, const Tensor& b) {
  return a.sizes() == b.sizes() && a.dtype() == b.dtype() &&
         std::memcmp(a.contiguous().raw_data(), b.contiguous().raw_data(), a.numel() * a.element_size()) == 0;
}

TEST(ByteImageDatasetTest, EveryByteDecodesAsTheWholeFloatSetDid) {
  std::vector<std::uint8_t> all(256);
  for (int b = 0; b < 256; ++b) all[b] = static_cast<std::uint8_t>(b);
  // Fashion-MNIST's statistics (the default run), "none", and a PyTorch-recipe [0.5, 0.5].
  for (PixelNormalization n :
       {PixelNormalization{0.2860, 0.3530}, PixelNormalization{}, PixelNormalization{0.5, 0.5}}) {
    // A large float set, so the reference goes through the ops' vectorized (and parallel) paths.
    std::vector<std::uint8_t> big(256 * 513);
    for (std::size_t i = 0; i < big.size(); ++i) big[i] = all[i % 256];
    Tensor ref = decoded_then_normalized(big, {513, 256}, n);
    ByteImageDataset ds(std::make_shared<const std::vector<std::uint8_t>>(all), Dims{1, 16, 16},
                        zeros({1}, kInt64), n);
    Tensor row = ds.get(0).data.reshape({256});
    for (std::int64_t r = 0; r < 513; r += 64)
      EXPECT_TRUE(same_bits(row, ref[r])) << "mean " << n.mean << ", std " << n.std << ", row " << r;
    for (int b = 0; b < 256; ++b) EXPECT_EQ(ds.decode(static_cast<std::uint8_t>(b)), row[b].item<float>());
    // These normalizations take the fast path: its arithmetic reproduces the table.
    EXPECT_TRUE(ds.decodes_by_arithmetic()) << "mean " << n.mean << ", std " << n.std;
  }
}

TEST(ByteImageDatasetTest, LoaderBatchesMatchTheFloatDataset) {
  const std::int64_t n = 50;
  auto bytes = pixels(n);
  const PixelNormalization norm{0.2860, 0.3530};
  Tensor labels = empty({n}, kInt64);
  for (std::int64_t i = 0; i < n; ++i) labels.data_ptr<std::int64_t>()[i] = (i * 7) % 10;
  auto bytes_set = std::make_shared<ByteImageDataset>(bytes, Dims{1, 2, 3}, labels, norm);
  auto float_set =
      std::make_shared<data::TensorDataset>(decoded_then_normalized(*bytes, {n, 1, 2, 3}, norm), labels);
  EXPECT_EQ(bytes_set->size(), n);
  // Through a random split's subset, shuffled, as `keel train` reads it.
  auto a = data::random_split(bytes_set, {40, 10}, 3)[0];
  auto b = data::random_split(float_set, {40, 10}, 3)[0];
  data::DataLoader la(a, {.batch_size = 16, .shuffle = true, .seed = 5});
  data::DataLoader lb(b, {.batch_size = 16, .shuffle = true, .seed = 5});
  auto ib = lb.begin();
  int batches = 0;
  for (const data::Batch& x : la) {
    ASSERT_NE(ib, lb.end());
    EXPECT_EQ(x.data.sizes(), ib->data.sizes());
    EXPECT_TRUE(same_bits(x.data, ib->data)) << "batch " << batches;
    EXPECT_TRUE(same_bits(x.target, ib->target)) << "batch " << batches;
    ++ib;
    ++batches;
  }
  EXPECT_EQ(batches, 3);
  // One sample, as get() returns it.
  EXPECT_TRUE(same_bits(a->get(7).data, b->get(7).data));
  EXPECT_EQ(a->get(7).target.item<std::int64_t>(), b->get(7).target.item<std::int64_t>());
}

TEST(ByteImageDatasetTest, Errors) {
  auto bytes = pixels(4);
  EXPECT_THROW(ByteImageDataset(bytes, Dims{1, 2, 3}, zeros({5}, kInt64)), Error);  // 24 bytes, 5 labels
  EXPECT_THROW(ByteImageDataset(bytes, Dims{1, 2, 3}, zeros({4})), Error);          // float labels
  EXPECT_THROW(ByteImageDataset(nullptr, Dims{1, 2, 3}, zeros({4}, kInt64)), Error);
  EXPECT_THROW(ByteImageDataset(bytes, Dims{1, 2, 3}, zeros({4}, kInt64), {0.5, 0.0}), Error);
  ByteImageDataset ds(bytes, Dims{1, 2, 3}, zeros({4}, kInt64));
  EXPECT_THROW(ds.get(4), Error);
  EXPECT_THROW(ds.get(-1), Error);
  const std::int64_t bad[] = {0, 9};
  EXPECT_THROW(ds.gather(bad, 2), Error);
}

}  // namespace
}  // namespace keel
