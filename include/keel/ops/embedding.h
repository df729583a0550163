#pragma once
// embedding (torch.nn.functional.embedding): rows of a weight table picked by int64 indices.
// Users call it as keel::nn::functional::embedding (keel/nn/functional.h).
#include <cstdint>
#include <optional>

#include "keel/tensor/tensor.h"

namespace keel::ops {

// weight (num_embeddings, embedding_dim), indices int64 of any shape -> indices.shape +
// (embedding_dim). The gradient scatter-adds into weight's rows (repeated indices add up);
// the row padding_idx (negative counts from the end) gets none, as in PyTorch.
Tensor embedding(const Tensor& weight, const Tensor& indices, std::optional<std::int64_t> padding_idx = {});

}  // namespace keel::ops
