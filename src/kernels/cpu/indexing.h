#pragma once
// Index-driven copies and their scatter-add adjoints. Indices are int64 and already checked
// to be in range by the ops; out, index and src are contiguous unless noted.
#include "keel/core/view.h"

namespace keel::kernels {

// out[o, i, r] = x[o, index[i], r], with x (contiguous) viewed as [outer, x.size(dim), inner].
void index_select(const View& out, const View& x, int dim, const View& index);
// out[o, index[i], r] += src[o, i, r] (out holds the input's shape; repeated indices add up).
void index_add(const View& out, int dim, const View& index, const View& src);
// out[p] = x[p with its dim coordinate replaced by index[p]]; x may have any strides.
void gather(const View& out, const View& x, int dim, const View& index);
// out[p with its dim coordinate replaced by index[p]] += src[p]; src has index's shape.
void scatter_add(const View& out, int dim, const View& index, const View& src);

}  // namespace keel::kernels
