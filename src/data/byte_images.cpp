#include "keel/data/byte_images.h"

#include <algorithm>
#include <cstring>

#include "keel/autograd/grad_mode.h"
#include "keel/tensor/factories.h"
#include "kernels/cpu/byte_lookup.h"

namespace keel::data {

ByteImageDataset::ByteImageDataset(std::shared_ptr<const std::vector<std::uint8_t>> pixels, Dims sample,
                                   Tensor labels, PixelNormalization norm)
    : pixels_(std::move(pixels)), sample_(std::move(sample)), labels_(std::move(labels)) {
  KEEL_CHECK(pixels_ != nullptr, "ByteImageDataset: pixels are null");
  KEEL_CHECK(labels_.defined() && labels_.dim() == 1 && labels_.dtype() == kInt64,
             "ByteImageDataset: expected int64 labels of shape (N)");
  KEEL_CHECK(norm.std != 0.0, "ByteImageDataset: the normalization's std must not be 0");
  sample_numel_ = sample_.numel();
  const auto expected = static_cast<std::size_t>(sample_numel_ * labels_.size(0));
  KEEL_CHECK(pixels_->size() == expected, "ByteImageDataset: ", labels_.size(0), " images of shape ", sample_,
             " need ", expected, " pixel bytes, got ", pixels_->size());
  // The 256 values go through the very ops that normalizing a decoded float set uses, so each
  // byte maps to the same float as it did then.
  NoGradGuard no_grad;
  Tensor values = empty({256}, kFloat32);
  float* v = values.data_ptr<float>();
  // Division, not multiplication by 1/255, to match torchvision's ToTensor bit for bit.
  for (int b = 0; b < 256; ++b) v[b] = static_cast<float>(b) / 255.0f;
  if (!norm.identity()) values.sub_(norm.mean).div_(norm.std);
  for (int b = 0; b < 256; ++b) table_[b] = v[b];
  // The arithmetic form decodes a batch 3x faster than the lookup; use it when it gives every
  // byte the table's float bit for bit (it does for float32 mean and std; a mean or std that
  // is not one would round differently in the tensor ops above).
  affine_mean_ = static_cast<float>(norm.mean);
  affine_std_ = static_cast<float>(norm.std);
  std::uint8_t bytes[256];
  float decoded[256];
  for (int b = 0; b < 256; ++b) bytes[b] = static_cast<std::uint8_t>(b);
  kernels::byte_affine_decode(bytes, decoded, 256, affine_mean_, affine_std_);
  affine_ = std::memcmp(decoded, table_, sizeof(table_)) == 0;
}

Example ByteImageDataset::get(std::int64_t index) const {
  KEEL_CHECK(index >= 0 && index < size(), "ByteImageDataset: index ", index,
             " is out of range for a dataset of size ", size());
  std::optional<Example> one = gather(&index, 1);
  return {one->data[0], one->target[0]};
}

namespace {
// Images ahead of the one being decoded whose pixels are fetched into the cache. A shuffled
// batch reads rows at random in the 47 MB training set, so each image's first cache lines
// miss all the way to memory; fetching the next images' lines while this one decodes overlaps
// those waits.
constexpr std::int64_t kPrefetchAhead = 2;
}  // namespace

void ByteImageDataset::prefetch_image(std::int64_t index) const {
  if (index < 0 || index >= size()) return;  // gather() reports it
  const char* row = reinterpret_cast<const char*>(pixels_->data() + index * sample_numel_);
  for (std::int64_t b = 0; b < sample_numel_; b += 64) __builtin_prefetch(row + b);
}

std::optional<Example> ByteImageDataset::gather(const std::int64_t* indices, std::int64_t count) const {
  Dims shape{count};
  for (std::int64_t s : sample_) shape.push_back(s);
  Example out{empty(shape, kFloat32), empty({count}, kInt64)};
  float* dst = out.data.data_ptr<float>();
  std::int64_t* target = out.target.data_ptr<std::int64_t>();
  const std::int64_t* labels = labels_.data_ptr<std::int64_t>();
  const std::uint8_t* src = pixels_->data();
  for (std::int64_t k = 0; k < std::min(count, kPrefetchAhead); ++k) prefetch_image(indices[k]);
  for (std::int64_t k = 0; k < count; ++k) {
    const std::int64_t i = indices[k];
    KEEL_CHECK(i >= 0 && i < size(), "ByteImageDataset: index ", i, " is out of range for a dataset of size ",
               size());
    if (k + kPrefetchAhead < count) prefetch_image(indices[k + kPrefetchAhead]);
    if (affine_) {
      kernels::byte_affine_decode(src + i * sample_numel_, dst + k * sample_numel_, sample_numel_,
                                  affine_mean_, affine_std_);
    } else {
      kernels::byte_table_lookup(src + i * sample_numel_, dst + k * sample_numel_, sample_numel_, table_);
    }
    target[k] = labels[i];
  }
  return out;
}

}  // namespace keel::data
