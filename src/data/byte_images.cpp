#include "keel/data/byte_images.h"

#include "keel/autograd/grad_mode.h"
#include "keel/tensor/factories.h"

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
}

Example ByteImageDataset::get(std::int64_t index) const {
  KEEL_CHECK(index >= 0 && index < size(), "ByteImageDataset: index ", index,
             " is out of range for a dataset of size ", size());
  std::optional<Example> one = gather(&index, 1);
  return {one->data[0], one->target[0]};
}

std::optional<Example> ByteImageDataset::gather(const std::int64_t* indices, std::int64_t count) const {
  Dims shape{count};
  for (std::int64_t s : sample_) shape.push_back(s);
  Example out{empty(shape, kFloat32), empty({count}, kInt64)};
  float* dst = out.data.data_ptr<float>();
  std::int64_t* target = out.target.data_ptr<std::int64_t>();
  const std::int64_t* labels = labels_.data_ptr<std::int64_t>();
  const std::uint8_t* src = pixels_->data();
  for (std::int64_t k = 0; k < count; ++k) {
    const std::int64_t i = indices[k];
    KEEL_CHECK(i >= 0 && i < size(), "ByteImageDataset: index ", i, " is out of range for a dataset of size ",
               size());
    const std::uint8_t* row = src + i * sample_numel_;
    float* to = dst + k * sample_numel_;
    for (std::int64_t j = 0; j < sample_numel_; ++j) to[j] = table_[row[j]];
    target[k] = labels[i];
  }
  return out;
}

}  // namespace keel::data
