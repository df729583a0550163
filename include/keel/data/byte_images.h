#pragma once
// Images kept as their uint8 pixels and converted to float per batch: Fashion-MNIST's 60,000
// training images take 47 MB as bytes and 188 MB as float32, so decoding the whole set up front
// would more than double a training run's memory. A sample's value is exactly what decoding the
// whole set and then normalizing it in place would give: float(pixel) / 255 (torchvision's
// ToTensor), then (x - mean) / std in float32 as Tensor::sub_ and div_ compute it.
#include <cstdint>
#include <memory>
#include <vector>

#include "keel/data/dataset.h"

namespace keel::data {

struct PixelNormalization {
  double mean = 0.0;
  double std = 1.0;
  bool identity() const { return mean == 0.0 && std == 1.0; }
};

class ByteImageDataset final : public Dataset {
 public:
  // `pixels` holds labels.size(0) images of `sample` shape (e.g. {1, 28, 28}), row-major, one
  // after another; `labels` is int64 of shape (N).
  ByteImageDataset(std::shared_ptr<const std::vector<std::uint8_t>> pixels, Dims sample, Tensor labels,
                   PixelNormalization norm = {});
  std::int64_t size() const override { return labels_.size(0); }
  Example get(std::int64_t index) const override;
  std::optional<Example> gather(const std::int64_t* indices, std::int64_t count) const override;
  const Dims& sample_shape() const { return sample_; }
  const Tensor& labels() const { return labels_; }
  // The value of a pixel byte after conversion and normalization.
  float decode(std::uint8_t pixel) const { return table_[pixel]; }
  // Whether batches are decoded by arithmetic (vectorized) rather than by the table; both give
  // the same floats.
  bool decodes_by_arithmetic() const { return affine_; }

 private:
  std::shared_ptr<const std::vector<std::uint8_t>> pixels_;
  Dims sample_;
  std::int64_t sample_numel_ = 0;
  Tensor labels_;
  void prefetch_image(std::int64_t index) const;  // its pixels into the cache, ahead of use
  float table_[256] = {};  // every byte's float value, as the float ops of normalization give it
  // Whether (byte / 255 - mean) / std in float32 reproduces table_ exactly: then batches are
  // decoded by that arithmetic (vectorized), else by the table.
  bool affine_ = false;
  float affine_mean_ = 0.0f, affine_std_ = 1.0f;
};

}  // namespace keel::data
