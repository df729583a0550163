#pragma once
// Joining and indexing: cat, stack, index_select, gather.
#include <vector>

#include "keel/tensor/tensor.h"

namespace keel {

Tensor cat(const std::vector<Tensor>& tensors, std::int64_t dim = 0);
Tensor stack(const std::vector<Tensor>& tensors, std::int64_t dim = 0);
// Rows (along dim) of x picked by the int64 1-D index.
Tensor index_select(const Tensor& x, std::int64_t dim, const Tensor& index);
// out[i][j] = x[index[i][j]][j] for dim 0 (and so on), index int64 of x's rank.
Tensor gather(const Tensor& x, std::int64_t dim, const Tensor& index);

}  // namespace keel
