// matmul, mm, bmm, addmm with autograd. One differentiable core (a [..., M, K] @ b [..., K, N]
// with broadcast batch dims) serves every case; 1-D operands take part as a 1 x K row or a
// K x 1 column whose added dim is dropped from the result, as torch.matmul does.
#include "keel/ops/linalg.h"

#include "keel/autograd/node.h"
#include "keel/ops/elementwise.h"
#include "keel/ops/reduce.h"
#include "keel/tensor/factories.h"
#include "kernels/cpu/copy.h"
#include "kernels/cpu/matmul.h"

namespace keel {

using autograd::SavedTensor;
using autograd::sum_to;
using autograd::Tensors;

namespace {

Dims batch_dims(const Dims& shape) {
  Dims d;
  for (int i = 0; i + 2 < shape.size(); ++i) d.push_back(shape[i]);
  return d;
}

Dims with_matrix(Dims batch, std::int64_t rows, std::int64_t cols) {
  batch.push_back(rows);
  batch.push_back(cols);
  return batch;
}

void check_operands(const Tensor& a, const Tensor& b, const char* op) {
  KEEL_CHECK(a.dtype() == b.dtype(), op, ": expected both operands to have the same dtype, but got ",
             dtype_name(a.dtype()), " and ", dtype_name(b.dtype()));
  KEEL_CHECK(a.dtype() != kBool, op, ": not supported for dtype bool");
}

// The batch shape of am @ bm (both at least 2-D, no autograd), after checking the inner sizes.
// `a`, `b` are the user's operands, named in errors.
Dims product_batch(const Tensor& am, const Tensor& bm, const Tensor& a, const Tensor& b, const char* op) {
  if (am.size(-1) != bm.size(-2)) {
    if (a.dim() == 2 && b.dim() == 2) {
      detail::fail(op, ": mat1 and mat2 shapes cannot be multiplied (", a.size(0), "x", a.size(1), " and ",
                   b.size(0), "x", b.size(1), ")");
    }
    detail::fail(op, ": shapes ", a.sizes(), " and ", b.sizes(), " cannot be multiplied (", am.size(-1),
                 " != ", bm.size(-2), ")");
  }
  Dims ba = batch_dims(am.sizes()), bb = batch_dims(bm.sizes());
  int nd = std::max(ba.size(), bb.size());
  Dims out = Dims::filled(nd, 1);
  for (int j = 0; j < nd; ++j) {
    int da = j - (nd - ba.size()), db = j - (nd - bb.size());
    std::int64_t sa = da >= 0 ? ba[da] : 1, sb = db >= 0 ? bb[db] : 1;
    KEEL_CHECK(sa == sb || sa == 1 || sb == 1, op, ": the batch dimensions of ", a.sizes(), " and ",
               b.sizes(), " cannot be broadcast (", sa, " vs ", sb, " at batch dim ", j, ")");
    out[j] = sa == 1 ? sb : sa;
  }
  return out;
}

// alpha * x @ y for gradients (no autograd; shapes known to be valid).
Tensor product_nograd(const Tensor& x, const Tensor& y, double alpha) {
  Dims bx = batch_dims(x.sizes()), by = batch_dims(y.sizes());
  Dims bs = bx.size() >= by.size() ? bx : by;
  int shift_x = bs.size() - bx.size(), shift_y = bs.size() - by.size();
  for (int j = 0; j < bs.size(); ++j) {
    std::int64_t sx = j >= shift_x ? bx[j - shift_x] : 1, sy = j >= shift_y ? by[j - shift_y] : 1;
    bs[j] = sx == 1 ? sy : sx;
  }
  Tensor out = empty(with_matrix(bs, x.size(-2), y.size(-1)), x.dtype());
  kernels::matmul(out, x, y, alpha);
  return out;
}

// d(alpha * am @ bm)/d(am) for the upstream gm of shape [batch..., M, N], summed over the
// batch dims am was broadcast along.
Tensor grad_first(const Tensor& gm, const Tensor& bm, const Dims& am_shape, double alpha) {
  if (am_shape.size() == 2 && gm.dim() > 2) {
    // am shared by the whole batch: ga = [M, batch*N] @ [batch*N, K], with no batched temporary.
    std::int64_t M = gm.size(-2), N = gm.size(-1), K = bm.size(-2);
    Tensor g2 = gm.reshape({-1, M, N}).permute({1, 0, 2}).reshape({M, -1});
    Tensor b2 = bm.expand(with_matrix(batch_dims(gm.sizes()), K, N))
                    .reshape({-1, K, N})
                    .permute({1, 0, 2})
                    .reshape({K, -1});
    return product_nograd(g2, b2.t(), alpha);
  }
  return sum_to(product_nograd(gm, bm.transpose(-1, -2), alpha), am_shape);
}

Tensor grad_second(const Tensor& am, const Tensor& gm, const Dims& bm_shape, double alpha) {
  if (bm_shape.size() == 2 && gm.dim() > 2) {
    // bm shared by the whole batch (x @ W): gb = [K, batch*M] @ [batch*M, N].
    std::int64_t M = gm.size(-2), N = gm.size(-1), K = am.size(-1);
    Tensor a2 = am.expand(with_matrix(batch_dims(gm.sizes()), M, K)).reshape({-1, K});
    return product_nograd(a2.t(), gm.reshape({-1, N}), alpha);
  }
  return sum_to(product_nograd(am.transpose(-1, -2), gm, alpha), bm_shape);
}

// The matrix form of a user operand: a 1-D `a` becomes a 1 x K row, a 1-D `b` a K x 1 column.
Tensor as_matrix(const Tensor& t, bool vec, bool first) {
  Tensor d = t.detach();
  return vec ? d.unsqueeze(first ? 0 : 1) : d;
}

// a @ b for every matmul case; a_vec / b_vec say that a / b is 1-D.
Tensor product(const Tensor& a, const Tensor& b, bool a_vec, bool b_vec, const char* op, const char* node) {
  check_operands(a, b, op);
  Tensor am = as_matrix(a, a_vec, true), bm = as_matrix(b, b_vec, false);
  Dims bs = product_batch(am, bm, a, b, op);
  std::int64_t M = am.size(-2), N = bm.size(-1);
  Dims out_shape = bs;
  if (!a_vec) out_shape.push_back(M);
  if (!b_vec) out_shape.push_back(N);
  Tensor out = empty(out_shape, a.dtype());
  Dims out_m = with_matrix(bs, M, N);
  kernels::matmul(a_vec || b_vec ? out.detach().view(out_m) : out, am, bm);
  if (autograd::needs_grad(a, b)) {
    bool ga = a.requires_grad(), gb = b.requires_grad();
    autograd::record(
        node, out, a, b,
        [sa = gb ? SavedTensor(a) : SavedTensor(), sb = ga ? SavedTensor(b) : SavedTensor(), a_vec, b_vec,
         out_m, shape_a = a.sizes(), shape_b = b.sizes()](const Tensor& g) -> Tensors {
          Tensor gm = g.reshape(out_m);
          Tensor da, db;
          if (sb.defined()) {
            Dims am_shape = a_vec ? Dims{1, shape_a[0]} : shape_a;
            da = grad_first(gm, as_matrix(sb.unpack(), b_vec, false), am_shape, 1.0).reshape(shape_a);
          }
          if (sa.defined()) {
            Dims bm_shape = b_vec ? Dims{shape_b[0], 1} : shape_b;
            db = grad_second(as_matrix(sa.unpack(), a_vec, true), gm, bm_shape, 1.0).reshape(shape_b);
          }
          return {da, db};
        });
  }
  return out;
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) {
  KEEL_CHECK(a.dim() >= 1 && b.dim() >= 1, "matmul: both arguments need to be at least 1D, but they are ",
             a.dim(), "D and ", b.dim(), "D");
  bool a_vec = a.dim() == 1, b_vec = b.dim() == 1;
  const char* node = a_vec && b_vec                    ? "DotBackward0"
                     : !a_vec && b_vec && a.dim() == 2 ? "MvBackward0"
                     : a.dim() <= 2 && b.dim() <= 2    ? "MmBackward0"
                                                       : "BmmBackward0";
  return product(a, b, a_vec, b_vec, "matmul", node);
}

Tensor mm(const Tensor& a, const Tensor& b) {
  KEEL_CHECK(a.dim() == 2 && b.dim() == 2, "mm: expected 2-D tensors, but got shapes ", a.sizes(), " and ",
             b.sizes());
  return product(a, b, false, false, "mm", "MmBackward0");
}

Tensor bmm(const Tensor& a, const Tensor& b) {
  KEEL_CHECK(a.dim() == 3 && b.dim() == 3, "bmm: expected 3-D tensors, but got shapes ", a.sizes(), " and ",
             b.sizes());
  KEEL_CHECK(a.size(0) == b.size(0), "bmm: batch sizes differ: shapes ", a.sizes(), " and ", b.sizes());
  return product(a, b, false, false, "bmm", "BmmBackward0");
}

Tensor addmm(const Tensor& bias, const Tensor& a, const Tensor& b, double beta, double alpha) {
  KEEL_CHECK(a.dim() == 2 && b.dim() == 2, "addmm: expected 2-D matrices, but got shapes ", a.sizes(),
             " and ", b.sizes());
  check_operands(a, b, "addmm");
  KEEL_CHECK(bias.dtype() == a.dtype(), "addmm: expected bias of dtype ", dtype_name(a.dtype()), ", but got ",
             dtype_name(bias.dtype()));
  Tensor am = a.detach(), bm = b.detach();
  product_batch(am, bm, a, b, "addmm");
  Dims shape{a.size(0), b.size(1)};
  KEEL_CHECK(bias.dim() <= 2 && broadcast_shapes(bias.sizes(), shape, "addmm") == shape,
             "addmm: bias of shape ", bias.sizes(), " cannot be broadcast to the result shape ", shape);
  Tensor out = empty(shape, a.dtype());
  // beta == 0 ignores bias entirely (NaNs in it included), as PyTorch does.
  if (beta != 0.0) kernels::copy(out, bias);
  kernels::matmul(out, am, bm, alpha, beta);
  if (autograd::needs_grad({bias, a, b})) {
    bool gbias = bias.requires_grad(), ga = a.requires_grad(), gb = b.requires_grad();
    autograd::record("AddmmBackward0", out, {&bias, &a, &b},
                     [sa = gb ? SavedTensor(a) : SavedTensor(), sb = ga ? SavedTensor(b) : SavedTensor(),
                      gbias, shape_bias = bias.sizes(), beta, alpha](const Tensor& g) -> Tensors {
                       Tensor dbias = gbias ? sum_to(beta == 1.0 ? g : g * beta, shape_bias) : Tensor();
                       Tensor da = sb.defined() ? product_nograd(g, sb.unpack().t(), alpha) : Tensor();
                       Tensor db = sa.defined() ? product_nograd(sa.unpack().t(), g, alpha) : Tensor();
                       return {dbias, da, db};
                     });
  }
  return out;
}

Tensor Tensor::matmul(const Tensor& other) const { return keel::matmul(*this, other); }
Tensor Tensor::mm(const Tensor& other) const { return keel::mm(*this, other); }

}  // namespace keel
