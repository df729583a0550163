#pragma once
// Data transforms, applied to whole batches (first dim indexes samples; image batches are
// (N, C, H, W)). Random transforms draw per-sample values from the Generator they are given;
// the DataLoader gives each batch its own generator derived from (seed, epoch, batch), so a
// run's augmentations are reproducible and do not depend on prefetching.
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "keel/tensor/random.h"
#include "keel/tensor/tensor.h"

namespace keel::data {

class Transform {
 public:
  virtual ~Transform() = default;
  // Transforms `batch`, a float32 or float64 contiguous tensor that belongs to the caller
  // alone: a transform may change it in place and return it. The loader calls this.
  virtual Tensor apply(Tensor batch, Generator& gen) const = 0;
  // Like torchvision's repr: "Normalize(mean=[0.5], std=[0.25])".
  virtual std::string repr() const = 0;
  // Transforms a copy of `batch` (the argument is left as it was).
  Tensor operator()(const Tensor& batch, Generator& gen) const;
  Tensor operator()(const Tensor& batch) const;  // with Generator(0)
};

// (x - mean[c]) / std[c] for channel c (dim 1); a single mean/std applies to every element.
class Normalize final : public Transform {
 public:
  Normalize(std::vector<double> mean, std::vector<double> std);
  Tensor apply(Tensor batch, Generator& gen) const override;
  std::string repr() const override;

 private:
  std::vector<double> mean_, std_;
};

// Pads each image by `padding` zeros on every side, then cuts a size x size window at a
// random position (torchvision's RandomCrop(size, padding), zero fill). Needs (N, ..., H, W).
class RandomCrop final : public Transform {
 public:
  explicit RandomCrop(std::int64_t size, std::int64_t padding = 0) : RandomCrop(size, size, padding) {}
  RandomCrop(std::int64_t height, std::int64_t width, std::int64_t padding);
  Tensor apply(Tensor batch, Generator& gen) const override;
  std::string repr() const override;

 private:
  std::int64_t height_, width_, padding_;
};

// Mirrors each sample along its last dim with probability p.
class RandomHorizontalFlip final : public Transform {
 public:
  explicit RandomHorizontalFlip(double p = 0.5);
  Tensor apply(Tensor batch, Generator& gen) const override;
  std::string repr() const override;

 private:
  double p_;
};

// With probability p, sets a random rectangle of each image to `value` (torchvision's
// RandomErasing(p, scale, ratio, value), Zhong et al. 2017): the rectangle's area is a share of
// the image drawn uniformly from `scale`, its aspect ratio (height / width) log-uniformly from
// `ratio`; up to 10 draws are tried for one that fits, else the image is left alone. The same
// rectangle covers every channel of a sample. Meant to run after Normalize (value 0 is then the
// data set's mean pixel). Needs (N, ..., H, W).
class RandomErasing final : public Transform {
 public:
  explicit RandomErasing(double p = 0.5, std::vector<double> scale = {0.02, 0.33},
                         std::vector<double> ratio = {0.3, 3.3}, double value = 0.0);
  Tensor apply(Tensor batch, Generator& gen) const override;
  std::string repr() const override;

 private:
  double p_;
  std::vector<double> scale_, ratio_;
  double value_;
};

// Applies transforms in order.
class Compose final : public Transform {
 public:
  Compose(std::vector<std::shared_ptr<const Transform>> transforms);
  Compose(std::initializer_list<std::shared_ptr<const Transform>> transforms)
      : Compose(std::vector<std::shared_ptr<const Transform>>(transforms)) {}
  Tensor apply(Tensor batch, Generator& gen) const override;
  std::string repr() const override;

 private:
  std::vector<std::shared_ptr<const Transform>> transforms_;
};

}  // namespace keel::data
