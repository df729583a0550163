#include "kernels/cpu/indexing.h"

#include <algorithm>

#include "kernels/cpu/parallel.h"
#include "kernels/cpu/type_switch.h"

namespace keel::kernels {

namespace {

struct Split {
  std::int64_t outer = 1, size = 1, inner = 1;
};

// t viewed as [outer, t.size(dim), inner].
Split split_at(const View& t, int dim) {
  Split s;
  for (int d = 0; d < t.dim(); ++d) {
    if (d < dim) s.outer *= t.size(d);
    if (d > dim) s.inner *= t.size(d);
  }
  s.size = t.size(dim);
  return s;
}

// Visits an index-shaped tensor one innermost row at a time. For row r, `x_base` is the
// element offset into x of the row's coordinates except `dim` and the last dim; the last dim
// then steps x by `x_step` (0 when it is `dim` itself) and the index value by x_dim_stride.
struct RowWalk {
  int nd;
  std::int64_t len, rows;
  std::int64_t sizes[kMaxDims], xs[kMaxDims];
  int dim;

  RowWalk(const View& index, const std::int64_t* x_strides, int dim_) : dim(dim_) {
    nd = index.dim();
    len = index.size(nd - 1);
    rows = len == 0 ? 0 : index.numel() / len;
    for (int d = 0; d < nd; ++d) {
      sizes[d] = index.size(d);
      xs[d] = d == dim ? 0 : x_strides[d];
    }
  }
  std::int64_t x_base(std::int64_t r) const {
    std::int64_t off = 0;
    for (int d = nd - 2; d >= 0; --d) {
      off += (r % sizes[d]) * xs[d];
      r /= sizes[d];
    }
    return off;
  }
  std::int64_t x_step() const { return xs[nd - 1]; }
};

}  // namespace

void index_select(const View& out, const View& x, int dim, const View& index) {
  Split s = split_at(x, dim);
  const std::int64_t n = index.numel();
  const std::int64_t* idx = index.data_ptr<std::int64_t>();
  KERNEL_SWITCH_ALL(x.dtype, "index_select", [&] {
    const scalar_t* xp = x.data_ptr<scalar_t>();
    scalar_t* op = out.data_ptr<scalar_t>();
    const std::int64_t inner = s.inner, size = s.size;
    parallel_for(0, s.outer * n, std::max<std::int64_t>(1, kGrain / std::max<std::int64_t>(inner, 1)),
                 [&](std::int64_t b, std::int64_t e) {
                   for (std::int64_t r = b; r < e; ++r) {
                     const scalar_t* src = xp + ((r / n) * size + idx[r % n]) * inner;
                     scalar_t* dst = op + r * inner;
                     std::copy(src, src + inner, dst);
                   }
                 });
  });
}

void index_add(const View& out, int dim, const View& index, const View& src) {
  Split s = split_at(out, dim);
  const std::int64_t n = index.numel();
  const std::int64_t* idx = index.data_ptr<std::int64_t>();
  KERNEL_SWITCH_NUMERIC(out.dtype, "index_add", [&] {
    const scalar_t* sp = src.data_ptr<scalar_t>();
    scalar_t* op = out.data_ptr<scalar_t>();
    const std::int64_t inner = s.inner, size = s.size;
    // Tasks own disjoint (outer, column-chunk) slices of out, so repeated indices never race.
    constexpr std::int64_t kChunk = 1024;
    const std::int64_t chunks = (inner + kChunk - 1) / kChunk;
    const std::int64_t work_per_task = n * std::min(inner, kChunk);
    parallel_for(0, s.outer * chunks,
                 std::max<std::int64_t>(1, kGrain / std::max<std::int64_t>(work_per_task, 1)),
                 [&](std::int64_t b, std::int64_t e) {
                   for (std::int64_t t = b; t < e; ++t) {
                     const std::int64_t o = t / chunks, c0 = (t % chunks) * kChunk;
                     const std::int64_t c1 = std::min(inner, c0 + kChunk);
                     for (std::int64_t i = 0; i < n; ++i) {
                       const scalar_t* g = sp + (o * n + i) * inner;
                       scalar_t* dst = op + (o * size + idx[i]) * inner;
                       for (std::int64_t c = c0; c < c1; ++c) dst[c] += g[c];
                     }
                   }
                 });
  });
}

void gather(const View& out, const View& x, int dim, const View& index) {
  RowWalk w(index, x.strides, dim);
  if (w.rows == 0) return;
  const std::int64_t* idx = index.data_ptr<std::int64_t>();
  const std::int64_t sd = x.stride(dim), step = w.x_step(), len = w.len;
  KERNEL_SWITCH_ALL(x.dtype, "gather", [&] {
    const scalar_t* xp = x.data_ptr<scalar_t>();
    scalar_t* op = out.data_ptr<scalar_t>();
    parallel_for(0, w.rows, std::max<std::int64_t>(1, kGrain / len), [&](std::int64_t b, std::int64_t e) {
      for (std::int64_t r = b; r < e; ++r) {
        const scalar_t* base = xp + w.x_base(r);
        const std::int64_t* ir = idx + r * len;
        scalar_t* o = op + r * len;
        for (std::int64_t j = 0; j < len; ++j) o[j] = base[j * step + ir[j] * sd];
      }
    });
  });
}

void scatter_add(const View& out, int dim, const View& index, const View& src) {
  RowWalk w(index, out.strides, dim);
  if (w.rows == 0) return;
  const std::int64_t* idx = index.data_ptr<std::int64_t>();
  const std::int64_t sd = out.stride(dim), step = w.x_step(), len = w.len;
  KERNEL_SWITCH_NUMERIC(out.dtype, "scatter_add", [&] {
    const scalar_t* sp = src.data_ptr<scalar_t>();
    scalar_t* op = out.data_ptr<scalar_t>();
    auto rows = [&](std::int64_t b, std::int64_t e) {
      for (std::int64_t r = b; r < e; ++r) {
        scalar_t* base = op + w.x_base(r);
        const std::int64_t* ir = idx + r * len;
        const scalar_t* g = sp + r * len;
        for (std::int64_t j = 0; j < len; ++j) base[j * step + ir[j] * sd] += g[j];
      }
    };
    // Rows write disjoint parts of out only when dim is the last dim (then a row's other
    // coordinates pin its destination); otherwise two rows may hit one element.
    if (dim == w.nd - 1) {
      parallel_for(0, w.rows, std::max<std::int64_t>(1, kGrain / len), rows);
    } else {
      rows(0, w.rows);
    }
  });
}

}  // namespace keel::kernels
