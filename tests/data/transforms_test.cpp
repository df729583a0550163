// Transforms' values: Normalize by formula, crops as shifted windows of the zero-padded
// image, flips as reversed rows; seeded randomness; and their use in the loader.
#include "keel/data/transforms.h"

#include <gtest/gtest.h>

#include <set>

#include "keel/data/dataloader.h"
#include "keel/tensor/factories.h"

namespace keel {
namespace {

using data::Compose;
using data::Normalize;
using data::RandomCrop;
using data::RandomErasing;
using data::RandomHorizontalFlip;

// Batch (n, c, h, w) with distinct values.
Tensor images(std::int64_t n, std::int64_t c, std::int64_t h, std::int64_t w, DType dtype = kFloat32) {
  return (arange(0, n * c * h * w, 1, dtype) + 1.0).view({n, c, h, w});
}

// Same shape and values.
bool same(const Tensor& a, const Tensor& b) {
  if (a.sizes() != b.sizes()) return false;
  Tensor x = a.to(kFloat64).contiguous(), y = b.to(kFloat64).contiguous();
  for (std::int64_t i = 0; i < x.numel(); ++i)
    if (x.data_ptr<double>()[i] != y.data_ptr<double>()[i]) return false;
  return true;
}

double at(const Tensor& t, std::int64_t s, std::int64_t c, std::int64_t y, std::int64_t x) {
  return t[s][c][y][x].item();
}

TEST(NormalizeTest, PerChannel) {
  for (DType dt : {kFloat32, kFloat64}) {
    Tensor x = images(2, 3, 2, 2, dt);
    Normalize norm({0.5, 1.0, -2.0}, {2.0, 0.25, 4.0});
    Tensor y = norm(x);
    EXPECT_EQ(x[0][0][0][0].item(), 1.0);  // operator() leaves its argument alone
    const double mean[3] = {0.5, 1.0, -2.0}, sd[3] = {2.0, 0.25, 4.0};
    for (std::int64_t s = 0; s < 2; ++s)
      for (std::int64_t c = 0; c < 3; ++c)
        for (std::int64_t i = 0; i < 4; ++i) {
          double expected = dt == kFloat32
                                ? static_cast<double>((static_cast<float>(at(x, s, c, i / 2, i % 2)) -
                                                       static_cast<float>(mean[c])) /
                                                      static_cast<float>(sd[c]))
                                : (at(x, s, c, i / 2, i % 2) - mean[c]) / sd[c];
          EXPECT_EQ(at(y, s, c, i / 2, i % 2), expected);
        }
  }
  // One mean/std for all elements, any shape.
  Tensor flatx = arange(0, 6, 1, kFloat32).view({2, 3});
  Tensor flaty = Normalize({1.0}, {2.0})(flatx);
  EXPECT_EQ(flaty.data_ptr<float>()[5], 2.0f);
  EXPECT_EQ(Normalize({0.5}, {0.25}).repr(), "Normalize(mean=[0.5], std=[0.25])");
}

TEST(NormalizeTest, Errors) {
  EXPECT_THROW(Normalize({0.5, 0.5}, {1.0}), Error);
  EXPECT_THROW(Normalize({0.5}, {0.0}), Error);
  EXPECT_THROW(Normalize({0.5, 0.5}, {1.0, 1.0})(images(1, 3, 2, 2)), Error);
  EXPECT_THROW(Normalize({0.5}, {1.0})(arange(3)), Error);  // int64
}

TEST(RandomCropTest, WindowsOfThePaddedImage) {
  const std::int64_t n = 64, c = 2, h = 5, w = 6, pad = 2;
  Tensor x = images(n, c, h, w);
  Generator gen(9);
  Tensor y = RandomCrop(4, 5, pad)(x, gen);
  ASSERT_EQ(y.sizes(), Dims({n, c, 4, 5}));
  std::set<std::pair<int, int>> offsets;
  for (std::int64_t s = 0; s < n; ++s) {
    // Find the offset whose window of the padded image gives this output, in every channel.
    int found = 0;
    for (int oy = 0; oy <= h + 2 * pad - 4; ++oy)
      for (int ox = 0; ox <= w + 2 * pad - 5; ++ox) {
        bool match = true;
        for (std::int64_t ch = 0; ch < c && match; ++ch)
          for (int yy = 0; yy < 4 && match; ++yy)
            for (int xx = 0; xx < 5 && match; ++xx) {
              int iy = yy + oy - pad, ix = xx + ox - pad;
              double v = (iy < 0 || iy >= h || ix < 0 || ix >= w) ? 0.0 : at(x, s, ch, iy, ix);
              match = at(y, s, ch, yy, xx) == v;
            }
        if (match) {
          ++found;
          offsets.insert({oy, ox});
        }
      }
    EXPECT_EQ(found, 1) << "sample " << s;
  }
  EXPECT_GT(offsets.size(), 10u);  // the offsets vary between samples
  // Same seed, same crops.
  Generator again(9);
  Tensor y2 = RandomCrop(4, 5, pad)(x, again);
  EXPECT_TRUE(same(y2, y));
  // No padding and full size: the identity.
  Tensor full = RandomCrop(h, w, 0)(x, gen);
  EXPECT_TRUE(same(full, x));
}

TEST(RandomCropTest, Errors) {
  EXPECT_THROW(RandomCrop(6, 0)(images(1, 1, 5, 5)), Error);
  EXPECT_THROW(RandomCrop(2, 0)(arange(0, 4, 1, kFloat32).view({1, 4})), Error);
  EXPECT_THROW(RandomCrop(0), Error);
  EXPECT_THROW(RandomCrop(2, -1), Error);
  EXPECT_EQ(RandomCrop(28, 4).repr(), "RandomCrop(size=(28, 28), padding=4)");
}

TEST(RandomHorizontalFlipTest, FlipsWholeSamples) {
  Tensor x = images(200, 2, 3, 4);
  Tensor all = RandomHorizontalFlip(1.0)(x);
  Tensor none = RandomHorizontalFlip(0.0)(x);
  EXPECT_TRUE(same(none, x));
  for (int xx = 0; xx < 4; ++xx) EXPECT_EQ(at(all, 7, 1, 2, xx), at(x, 7, 1, 2, 3 - xx));
  Generator gen(1);
  Tensor some = RandomHorizontalFlip(0.5)(x, gen);
  int flipped = 0;
  for (std::int64_t s = 0; s < 200; ++s) {
    bool kept = same(some[s], x[s]);
    bool mirrored = same(some[s], all[s]);
    EXPECT_TRUE(kept != mirrored) << "sample " << s;
    flipped += mirrored;
  }
  EXPECT_GT(flipped, 70);
  EXPECT_LT(flipped, 130);
  EXPECT_THROW(RandomHorizontalFlip(1.5), Error);
}

TEST(RandomErasingTest, ErasesOneRectangleOfTheDrawnAreaAndShapePerSample) {
  const std::int64_t n = 400, c = 2, h = 28, w = 28;
  Tensor x = images(n, c, h, w);  // every value >= 1, so erased (0) pixels stand out
  Generator gen(3);
  Tensor y = RandomErasing(0.5)(x, gen);
  ASSERT_EQ(y.sizes(), x.sizes());
  int erased = 0;
  std::set<std::int64_t> corners;
  for (std::int64_t s = 0; s < n; ++s) {
    // The bounding box of the zeros of channel 0; the zeros must fill it, in every channel, and
    // every other pixel must be as it was.
    std::int64_t y0 = h, y1 = -1, x0 = w, x1 = -1;
    for (std::int64_t yy = 0; yy < h; ++yy)
      for (std::int64_t xx = 0; xx < w; ++xx)
        if (at(y, s, 0, yy, xx) == 0.0) {
          y0 = std::min(y0, yy), y1 = std::max(y1, yy), x0 = std::min(x0, xx), x1 = std::max(x1, xx);
        }
    if (y1 < 0) {
      EXPECT_TRUE(same(y[s], x[s])) << "sample " << s;
      continue;
    }
    ++erased;
    corners.insert(y0 * w + x0);
    const double eh = static_cast<double>(y1 - y0 + 1), ew = static_cast<double>(x1 - x0 + 1);
    EXPECT_LT(eh, h);
    EXPECT_LT(ew, w);
    // Rounding the sides to whole pixels moves the area and ratio a little off their ranges.
    EXPECT_GE(eh * ew, 0.02 * h * w * 0.5) << "sample " << s;
    EXPECT_LE(eh * ew, 0.33 * h * w * 1.3) << "sample " << s;
    EXPECT_GE(eh / ew, 0.3 * 0.5) << "sample " << s;
    EXPECT_LE(eh / ew, 3.3 * 2.0) << "sample " << s;
    for (std::int64_t ch = 0; ch < c; ++ch)
      for (std::int64_t yy = 0; yy < h; ++yy)
        for (std::int64_t xx = 0; xx < w; ++xx) {
          const bool inside = yy >= y0 && yy <= y1 && xx >= x0 && xx <= x1;
          EXPECT_EQ(at(y, s, ch, yy, xx), inside ? 0.0 : at(x, s, ch, yy, xx))
              << "sample " << s << " channel " << ch << " at " << yy << "," << xx;
        }
  }
  // About half the samples, at corners that vary.
  EXPECT_GT(erased, 160);
  EXPECT_LT(erased, 240);
  EXPECT_GT(corners.size(), 50u);
  // Seeded: the same erasures again; p = 0 is the identity; p = 1 erases every sample (the first
  // of 10 draws nearly always fits a 28x28 image).
  Generator again(3);
  EXPECT_TRUE(same(RandomErasing(0.5)(x, again), y));
  EXPECT_TRUE(same(RandomErasing(0.0)(x, gen), x));
  Tensor all = RandomErasing(1.0, {0.1, 0.1}, {1.0, 1.0}, -2.5)(x.to(kFloat64), gen);
  for (std::int64_t s = 0; s < n; ++s) {
    Tensor erased_pixels = all[s][0].eq(-2.5).to(kFloat64).sum();
    EXPECT_EQ(erased_pixels.item(), 81.0) << "sample " << s;  // round(sqrt(78.4)) = 9 per side
  }
}

TEST(RandomErasingTest, Errors) {
  EXPECT_THROW(RandomErasing(1.5), Error);
  EXPECT_THROW(RandomErasing(0.5, {0.5, 0.1}), Error);
  EXPECT_THROW(RandomErasing(0.5, {0.1, 0.5}, {0.0, 1.0}), Error);
  EXPECT_THROW(RandomErasing(0.5, {0.1}), Error);
  EXPECT_THROW(RandomErasing(0.5)(arange(0, 4, 1, kFloat32).view({2, 2})), Error);
  EXPECT_EQ(RandomErasing().repr(), "RandomErasing(p=0.5, scale=(0.02, 0.33), ratio=(0.3, 3.3), value=0)");
}

TEST(ComposeTest, AppliesInOrder) {
  auto t = std::make_shared<Compose>(
      Compose{std::make_shared<RandomHorizontalFlip>(1.0),
              std::make_shared<Normalize>(std::vector<double>{1.0}, std::vector<double>{2.0})});
  Tensor x = images(1, 1, 1, 3);  // [1, 2, 3]
  Tensor y = (*t)(x);
  EXPECT_EQ(y.data_ptr<float>()[0], 1.0f);  // (3 - 1) / 2
  EXPECT_EQ(y.data_ptr<float>()[2], 0.0f);
  EXPECT_EQ(t->repr(), "Compose(\n    RandomHorizontalFlip(p=1)\n    Normalize(mean=[1], std=[2])\n)");
}

TEST(TransformInLoaderTest, ReproducibleAndIndependentOfPrefetch) {
  auto ds = std::make_shared<data::TensorDataset>(images(40, 1, 6, 6), arange(40));
  auto aug = std::make_shared<Compose>(
      Compose{std::make_shared<RandomCrop>(6, 2), std::make_shared<RandomHorizontalFlip>()});
  auto collect = [&](int prefetch) {
    data::DataLoader loader(
        ds, {.batch_size = 8, .shuffle = true, .seed = 5, .prefetch = prefetch, .transform = aug});
    std::vector<Tensor> out;
    for (int e = 0; e < 2; ++e)
      for (const data::Batch& b : loader) out.push_back(b.data);
    return out;
  };
  auto a = collect(0), b = collect(2);
  ASSERT_EQ(a.size(), 10u);
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(same(a[i], b[i])) << i;
  // The dataset itself is untouched by augmentation.
  EXPECT_EQ(ds->data()[0][0][0][0].item<float>(), 1.0f);
}

}  // namespace
}  // namespace keel
