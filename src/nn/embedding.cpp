#include "keel/nn/embedding.h"

#include <sstream>

#include "keel/nn/functional.h"
#include "keel/nn/init.h"
#include "keel/tensor/factories.h"

namespace keel::nn {

Embedding::Embedding(std::int64_t num, std::int64_t dim, std::optional<std::int64_t> pad)
    : Module("Embedding"), num_embeddings(num), embedding_dim(dim) {
  KEEL_CHECK(num > 0 && dim > 0, "Embedding: num_embeddings and embedding_dim must be positive, got ", num,
             " and ", dim);
  if (pad) {
    KEEL_CHECK(*pad >= -num && *pad < num, "Embedding: padding_idx must be within num_embeddings (", num,
               "), got ", *pad);
    padding_idx = *pad < 0 ? *pad + num : *pad;
  }
  weight = register_parameter("weight", empty({num, dim}));
  reset_parameters();
}

void Embedding::reset_parameters() {
  init::normal_(weight);
  // Through a detached handle: an initialization, not a step autograd should see.
  if (padding_idx) weight.detach().select(0, *padding_idx).zero_();
}

Tensor Embedding::forward(const Tensor& indices) {
  try {
    return functional::embedding(weight, indices, padding_idx);
  } catch (const Error& e) {
    throw Error(std::string(e.what()) + " (in Embedding(" + extra_repr() + "))");
  }
}

std::string Embedding::extra_repr() const {
  std::ostringstream os;
  os << num_embeddings << ", " << embedding_dim;
  if (padding_idx) os << ", padding_idx=" << *padding_idx;
  return os.str();
}

}  // namespace keel::nn
