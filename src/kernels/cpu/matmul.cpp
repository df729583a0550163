// Batched, broadcast, strided matrix products on top of kernels::gemm.
#include "kernels/cpu/matmul.h"

#include <algorithm>
#include <vector>

#include "kernels/cpu/copy.h"
#include "kernels/cpu/gemm.h"
#include "kernels/cpu/parallel.h"
#include "kernels/cpu/type_switch.h"

namespace keel::kernels {

namespace {

// How a rows x cols matrix with element strides (rs, cs) can be handed to a row-major GEMM
// without a copy: as stored (trans = false, leading dim ld) or as the transpose of a stored
// cols x rows matrix (trans = true). Strides of size-1 dims do not matter.
struct MatLayout {
  bool ok = false;
  bool trans = false;
  std::int64_t ld = 0;
};

MatLayout layout_of(std::int64_t rows, std::int64_t cols, std::int64_t rs, std::int64_t cs) {
  if (cs == 1 || cols <= 1) {
    std::int64_t ld = rows <= 1 ? std::max<std::int64_t>(cols, 1) : rs;
    if (ld >= std::max<std::int64_t>(cols, 1)) return {true, false, ld};
  }
  if (rs == 1 || rows <= 1) {
    std::int64_t ld = cols <= 1 ? std::max<std::int64_t>(rows, 1) : cs;
    if (ld >= std::max<std::int64_t>(rows, 1)) return {true, true, ld};
  }
  return {};
}

// Element strides of t's batch dims, aligned to the output's nd batch dims; 0 where t is
// broadcast (missing or size-1 dims).
void batch_strides(const View& t, int nd, std::int64_t* out) {
  int shift = nd - (t.dim() - 2);
  for (int j = 0; j < nd; ++j) {
    int d = j - shift;
    out[j] = (d < 0 || t.size(d) == 1) ? 0 : t.stride(d);
  }
}

// Points v at a row-major contiguous copy of its elements in buf (what Tensor::contiguous
// would make; v unchanged when it already is contiguous).
template <class T>
void make_contiguous(View& v, std::vector<T>& buf) {
  if (v.is_contiguous()) return;
  View c = v;
  buf.resize(static_cast<std::size_t>(v.numel()));
  c.data = buf.data();
  std::int64_t acc = 1;
  for (int d = v.ndim - 1; d >= 0; --d) {
    c.strides[d] = acc;
    acc *= v.sizes[d] > 0 ? v.sizes[d] : 1;
  }
  copy(c, v);
  v = c;
}

template <class T>
void run(const View& out, View a, View b, T alpha, T beta) {
  const int nd = out.dim() - 2;
  const std::int64_t M = out.size(-2), N = out.size(-1), K = a.size(-1);
  // An operand no GEMM layout reads as stored is copied first (rare: strided in both dims).
  std::vector<T> a_copy, b_copy;
  MatLayout la = layout_of(M, K, a.stride(-2), a.stride(-1));
  if (!la.ok) {
    make_contiguous(a, a_copy);
    la = layout_of(M, K, a.stride(-2), a.stride(-1));
  }
  MatLayout lb = layout_of(K, N, b.stride(-2), b.stride(-1));
  if (!lb.ok) {
    make_contiguous(b, b_copy);
    lb = layout_of(K, N, b.stride(-2), b.stride(-1));
  }
  std::int64_t sizes[kMaxDims], sa[kMaxDims], sb[kMaxDims];
  std::int64_t nb = 1;
  for (int j = 0; j < nd; ++j) {
    sizes[j] = out.size(j);
    nb *= sizes[j];
  }
  batch_strides(a, nd, sa);
  batch_strides(b, nd, sb);
  const T* A = a.data_ptr<T>();
  const T* B = b.data_ptr<T>();
  T* C = out.data_ptr<T>();
  if (nb == 0 || M == 0 || N == 0) return;

  // One B for every batch entry and a's batch dims continuing its row stride (x @ W with
  // x of shape [batch..., M, K]): the whole batch is one (nb * M) x K GEMM.
  bool b_shared = std::all_of(sb, sb + nd, [](std::int64_t s) { return s == 0; });
  if (nb > 1 && b_shared && !la.trans) {
    std::int64_t ld = M == 1 ? -1 : la.ld, expect = M == 1 ? -1 : la.ld * M;
    bool fold = true;
    for (int j = nd - 1; j >= 0 && fold; --j) {
      if (sizes[j] == 1) continue;
      if (expect == -1) ld = expect = sa[j];
      fold = sa[j] != 0 && sa[j] == expect;
      expect *= sizes[j];
    }
    if (fold && ld >= std::max<std::int64_t>(K, 1)) {
      gemm(false, lb.trans, nb * M, N, K, alpha, A, ld, B, lb.ld, beta, C, N);
      return;
    }
  }

  auto one = [&](std::int64_t i) {
    std::int64_t oa = 0, ob = 0, rem = i;
    for (int j = nd - 1; j >= 0; --j) {
      std::int64_t idx = rem % sizes[j];
      rem /= sizes[j];
      oa += idx * sa[j];
      ob += idx * sb[j];
    }
    gemm(la.trans, lb.trans, M, N, K, alpha, A + oa, la.ld, B + ob, lb.ld, beta, C + i * M * N, N);
  };
  // Small matrices: one thread per group of batch entries (each GEMM then runs single-
  // threaded inside the parallel region). Large ones: the GEMM parallelizes internally.
  const std::int64_t work = M * N * std::max<std::int64_t>(K, 1);
  if (nb > 1 && work < (1 << 18)) {
    parallel_for(0, nb, std::max<std::int64_t>(1, 65536 / work), [&](std::int64_t b0, std::int64_t b1) {
      for (std::int64_t i = b0; i < b1; ++i) one(i);
    });
  } else {
    for (std::int64_t i = 0; i < nb; ++i) one(i);
  }
}

}  // namespace

void matmul(const View& out, const View& a, const View& b, double alpha, double beta) {
  KERNEL_SWITCH_NUMERIC(out.dtype, "matmul", [&] {
    run<scalar_t>(out, a, b, static_cast<scalar_t>(alpha), static_cast<scalar_t>(beta));
  });
}

}  // namespace keel::kernels
