#include "keel/train/sequence_layers.h"

#include "keel/core/error.h"

namespace keel::train {

ImageRows::ImageRows(std::int64_t rows, std::int64_t cols)
    : nn::Module("ImageRows"), rows(rows), cols(cols) {}

Tensor ImageRows::forward(const Tensor& x) {
  KEEL_CHECK(x.dim() >= 2 && x.numel() == x.size(0) * rows * cols, "ImageRows: expected (N, 1, ", rows, ", ",
             cols, ") or (N, ", rows * cols, ") images, got shape ", x.sizes());
  return x.reshape({x.size(0), rows, cols});
}

std::string ImageRows::extra_repr() const {
  return "rows=" + std::to_string(rows) + ", cols=" + std::to_string(cols);
}

Tensor LastStep::forward(const Tensor& x) {
  KEEL_CHECK(x.dim() == 3 && x.size(1) > 0, "LastStep: expected a (batch, seq, hidden) output, got shape ",
             x.sizes());
  return x.select(1, x.size(1) - 1);
}

}  // namespace keel::train
