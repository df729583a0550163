// The training loader's augmentation keys: data.hflip mirrors whole images left to right and
// nothing else (no shifts), about half of them; data.crop shifts them by up to 2 pixels and
// mirrors none; data.augment is the two together; data.erase blanks one rectangle of some images.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>

#include "keel/train/config.h"
#include "keel/train/run_data.h"
#include "support/errors.h"
#include "support/fashion_mnist.h"

namespace keel::train {
namespace {

constexpr std::int64_t kSide = 28;

// One batch of the training loader of `c` (same seed: the same images in the same order).
Tensor first_batch(const Config& c) {
  RunData d = load_run_data(c);
  auto loader = make_train_loader(c, d.train);
  return (*loader->begin()).data.contiguous();
}

// Whether image `i` of `b` is image `i` of `a` mirrored along its width (each row reversed).
bool mirrored(const Tensor& a, const Tensor& b, std::int64_t i) {
  const float* x = a.data_ptr<float>() + i * kSide * kSide;
  const float* y = b.data_ptr<float>() + i * kSide * kSide;
  for (std::int64_t r = 0; r < kSide; ++r)
    for (std::int64_t col = 0; col < kSide; ++col)
      if (y[r * kSide + col] != x[r * kSide + kSide - 1 - col]) return false;
  return true;
}

bool identical(const Tensor& a, const Tensor& b, std::int64_t i) {
  const float* x = a.data_ptr<float>() + i * kSide * kSide;
  const float* y = b.data_ptr<float>() + i * kSide * kSide;
  for (std::int64_t k = 0; k < kSide * kSide; ++k)
    if (x[k] != y[k]) return false;
  return true;
}

// Whether image `i` of `b` is image `i` of `a` moved by at most 2 pixels each way: every pixel
// of b whose source lies inside the image equals it (the rest is the crop's padding).
bool shifted(const Tensor& a, const Tensor& b, std::int64_t i) {
  const float* x = a.data_ptr<float>() + i * kSide * kSide;
  const float* y = b.data_ptr<float>() + i * kSide * kSide;
  for (std::int64_t dy = -2; dy <= 2; ++dy) {
    for (std::int64_t dx = -2; dx <= 2; ++dx) {
      bool all = true;
      for (std::int64_t r = 0; r < kSide && all; ++r) {
        for (std::int64_t col = 0; col < kSide && all; ++col) {
          const std::int64_t sr = r + dy, sc = col + dx;
          if (sr >= 0 && sr < kSide && sc >= 0 && sc < kSide) all = y[r * kSide + col] == x[sr * kSide + sc];
        }
      }
      if (all) return true;
    }
  }
  return false;
}

Config small() {
  Config c;
  for (const char* s : {"data.train_subset=64", "data.test_subset=10", "train.batch_size=64"}) c.set(s);
  return c;
}

// The first batch of the plain loader and of one with `settings` on top (the same images).
std::pair<Tensor, Tensor> plain_and(std::initializer_list<const char*> settings) {
  Config plain = small(), changed = small();
  for (const char* s : settings) changed.set(s);
  return {first_batch(plain), first_batch(changed)};
}

TEST(TrainLoader, HflipMirrorsWholeImagesAndShiftsNone) {
  KEEL_SKIP_WITHOUT_FASHION_MNIST();
  const auto [a, b] = plain_and({"data.hflip=true"});
  ASSERT_EQ(b.dim(), 4);
  ASSERT_EQ(b.size(0), 64);
  ASSERT_EQ(b.size(3), kSide);
  int flipped = 0, kept = 0;
  for (std::int64_t i = 0; i < 64; ++i) {
    const bool m = mirrored(a, b, i), same = identical(a, b, i);
    EXPECT_TRUE(m || same) << "image " << i << " is neither itself nor its mirror image";
    flipped += m;
    kept += same;
  }
  // p = 0.5 over 64 images: both kinds occur (a fixed seed makes this deterministic).
  EXPECT_GT(flipped, 10);
  EXPECT_GT(kept, 10);
}

TEST(TrainLoader, AugmentStillShifts) {
  KEEL_SKIP_WITHOUT_FASHION_MNIST();
  const auto [a, b] = plain_and({"data.augment=true"});
  int neither = 0;
  for (std::int64_t i = 0; i < 64; ++i) neither += !mirrored(a, b, i) && !identical(a, b, i);
  EXPECT_GT(neither, 0) << "data.augment's random crop moved no image";
}

TEST(TrainLoader, CropShiftsWithoutMirroring) {
  KEEL_SKIP_WITHOUT_FASHION_MNIST();
  const auto [a, b] = plain_and({"data.crop=true"});
  int moved = 0;
  for (std::int64_t i = 0; i < 64; ++i) {
    EXPECT_TRUE(shifted(a, b, i)) << "image " << i << " is not a shift of itself by at most 2 pixels";
    moved += !identical(a, b, i);
  }
  // 25 offsets, one of them (0, 0): most images move.
  EXPECT_GT(moved, 40);
}

TEST(TrainLoader, CropAndHflipTogetherAreAugment) {
  KEEL_SKIP_WITHOUT_FASHION_MNIST();
  Config both = small(), aug = small();
  both.set("data.crop=true");
  both.set("data.hflip=true");
  aug.set("data.augment=true");
  const Tensor a = first_batch(both), b = first_batch(aug);
  for (std::int64_t i = 0; i < 64; ++i) EXPECT_TRUE(identical(a, b, i)) << "image " << i;
}

TEST(TrainLoader, EraseBlanksOneRectangleOfSomeImages) {
  KEEL_SKIP_WITHOUT_FASHION_MNIST();
  const auto [a, b] = plain_and({"data.erase=0.5"});
  int erased = 0;
  for (std::int64_t i = 0; i < 64; ++i) {
    if (identical(a, b, i)) continue;
    ++erased;
    // Every changed pixel is now 0 (the data set's mean after normalization), and they form
    // one rectangle: the changed pixels fill their bounding box wherever the image was not 0.
    const float* x = a.data_ptr<float>() + i * kSide * kSide;
    const float* y = b.data_ptr<float>() + i * kSide * kSide;
    std::int64_t r0 = kSide, r1 = -1, c0 = kSide, c1 = -1;
    for (std::int64_t k = 0; k < kSide * kSide; ++k) {
      if (x[k] == y[k]) continue;
      EXPECT_EQ(y[k], 0.0f) << "image " << i;
      r0 = std::min(r0, k / kSide), r1 = std::max(r1, k / kSide);
      c0 = std::min(c0, k % kSide), c1 = std::max(c1, k % kSide);
    }
    for (std::int64_t r = r0; r <= r1; ++r)
      for (std::int64_t col = c0; col <= c1; ++col) EXPECT_EQ(y[r * kSide + col], 0.0f) << "image " << i;
  }
  EXPECT_GT(erased, 15);
  EXPECT_LT(erased, 50);
}

TEST(TrainLoader, HflipNeedsImages) {
  Config c;
  c.set("data.dataset=csv");
  c.set("data.hflip=true");
  const std::string m = testing::error_of([&] { make_train_loader(c, nullptr); });
  EXPECT_NE(m.find("data.hflip needs image data"), std::string::npos) << m;
  Config crop;
  crop.set("data.dataset=csv");
  crop.set("data.crop=true");
  const std::string cm = testing::error_of([&] { make_train_loader(crop, nullptr); });
  EXPECT_NE(cm.find("data.crop needs image data"), std::string::npos) << cm;
  Config erase;
  erase.set("data.dataset=csv");
  erase.set("data.erase=0.5");
  const std::string em = testing::error_of([&] { make_train_loader(erase, nullptr); });
  EXPECT_NE(em.find("data.erase needs image data"), std::string::npos) << em;
}

}  // namespace
}  // namespace keel::train
