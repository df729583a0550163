#pragma once
// The glue of the row-sequential models that model.arch = gru / lstm builds inside an
// nn::Sequential: images become sequences of their rows, and the recurrent layer's output at the
// last time step feeds the head. Keeping the model a Sequential lets the trainer, eval, inspect
// and checkpoints handle it as they handle the MLP and the CNN.
#include <cstdint>
#include <string>

#include "keel/nn/module.h"

namespace keel::train {

// (N, 1, rows, cols) or (N, rows * cols) images -> (N, rows, cols): a batch_first sequence of
// `rows` steps of `cols` features. Has no parameters.
class ImageRows : public nn::Module {
 public:
  ImageRows(std::int64_t rows, std::int64_t cols);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  const std::int64_t rows, cols;
};

// (N, T, H) -> (N, H): the output of the last time step (what h_n of the top layer holds).
class LastStep : public nn::Module {
 public:
  LastStep() : nn::Module("LastStep") {}
  Tensor forward(const Tensor& x) override;
};

}  // namespace keel::train
