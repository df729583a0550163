#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "keel/nn/module.h"

namespace keel::nn {

// torch.nn.Embedding: a lookup table of num_embeddings vectors of size embedding_dim, indexed
// by int64 tensors of any shape. weight starts N(0, 1); the row padding_idx (negative counts
// from the end) starts at zero and gets no gradient.
class Embedding : public Module {
 public:
  Embedding(std::int64_t num_embeddings, std::int64_t embedding_dim,
            std::optional<std::int64_t> padding_idx = {});
  Tensor forward(const Tensor& indices) override;
  std::string extra_repr() const override;
  void reset_parameters();

  std::int64_t num_embeddings, embedding_dim;
  std::optional<std::int64_t> padding_idx;  // normalized to [0, num_embeddings)
  Tensor weight;                            // (num_embeddings, embedding_dim)
};

}  // namespace keel::nn
