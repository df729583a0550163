// embedding as a composition of differentiable ops: index_select's backward is already the
// scatter-add PyTorch's embedding_backward does, and `where` keeps the padding row out of it.
#include "keel/ops/embedding.h"

#include "keel/ops/elementwise.h"
#include "keel/ops/indexing.h"

namespace keel::ops {

Tensor embedding(const Tensor& weight, const Tensor& indices, std::optional<std::int64_t> padding_idx) {
  KEEL_CHECK(weight.dim() == 2, "embedding: weight must be 2-D (num_embeddings, embedding_dim), got shape ",
             weight.sizes());
  KEEL_CHECK(indices.dtype() == kInt64, "embedding: indices must be int64, got ",
             dtype_name(indices.dtype()));
  const std::int64_t n = weight.size(0);
  Tensor flat = indices.contiguous().reshape({indices.numel()});
  // Checked here so the message names the embedding, not index_select's dimension 0.
  const std::int64_t* p = flat.data_ptr<std::int64_t>();
  for (std::int64_t i = 0; i < flat.numel(); ++i) {
    KEEL_CHECK(p[i] >= 0 && p[i] < n, "embedding: index ", p[i], " is out of range for ", n,
               " embeddings (valid indices are 0 to ", n - 1, ")");
  }
  Tensor rows = index_select(weight, 0, flat);
  if (padding_idx) {
    std::int64_t pad = *padding_idx < 0 ? *padding_idx + n : *padding_idx;
    KEEL_CHECK(pad >= 0 && pad < n, "embedding: padding_idx ", *padding_idx, " is out of range for ", n,
               " embeddings");
    if (rows.requires_grad()) {
      // Same values either way; only the positions that are not padding pass gradient back.
      Tensor keep = flat.ne(static_cast<double>(pad)).unsqueeze(1);
      rows = where(keep, rows, rows.detach());
    }
  }
  Dims shape = indices.sizes();
  shape.push_back(weight.size(1));
  return rows.reshape(shape);
}

}  // namespace keel::ops
