// sync_batch_norm: batch norm over the global batch of a process group. The forward gathers
// each rank's per-channel statistics once and merges them; the backward reduces the two
// per-channel sums once. Everything else is local, so the communication is O(C) per call
// whatever the batch size.
#include "keel/ops/sync_batch_norm.h"

#include <cmath>
#include <cstdint>
#include <vector>

#include "keel/autograd/node.h"
#include "keel/dist/process_group.h"
#include "keel/ops/normalization.h"
#include "keel/tensor/dispatch.h"
#include "keel/tensor/factories.h"
#include "kernels/cpu/normalization.h"

namespace keel::ops {

using autograd::SavedTensor;
using autograd::Tensors;

namespace {

constexpr const char* kOp = "sync_batch_norm";

void check_per_channel(const Tensor& t, std::int64_t c, const Tensor& x, const char* what, bool running) {
  if (!t.defined()) return;
  KEEL_CHECK(t.dim() == 1 && t.numel() == c, kOp, ": ", what, " should have shape [", c, "], got ", t.sizes(),
             " (input of shape ", x.sizes(), ")");
  if (running) {
    KEEL_CHECK(t.is_floating_point() && t.is_contiguous(), kOp, ": ", what,
               " must be a contiguous floating-point tensor");
  } else {
    KEEL_CHECK(t.dtype() == x.dtype(), kOp, ": expected ", what, " of dtype ", dtype_name(x.dtype()),
               ", got ", dtype_name(t.dtype()));
  }
}

std::vector<double> to_doubles(const Tensor& t, std::int64_t c, double fill) {
  if (!t.defined()) return std::vector<double>(static_cast<std::size_t>(c), fill);
  Tensor d = t.detach().to(kFloat64).contiguous();
  const double* p = d.data_ptr<double>();
  return {p, p + d.numel()};
}

// This rank's per-channel mean and biased variance of x viewed as (n, c, s), two passes in double.
void local_stats(const Tensor& x, std::int64_t n, std::int64_t c, std::int64_t s, double* mean, double* var) {
  const double count = static_cast<double>(n * s);
  KEEL_DISPATCH_FLOATING(x.dtype(), kOp, [&] {
    const scalar_t* px = x.data_ptr<scalar_t>();
    for (std::int64_t ch = 0; ch < c; ++ch) {
      double sum = 0.0;
      for (std::int64_t i = 0; i < n; ++i)
        for (const scalar_t* p = px + (i * c + ch) * s; p != px + (i * c + ch + 1) * s; ++p) sum += *p;
      const double m = count > 0 ? sum / count : 0.0;
      double sq = 0.0;
      for (std::int64_t i = 0; i < n; ++i)
        for (const scalar_t* p = px + (i * c + ch) * s; p != px + (i * c + ch + 1) * s; ++p) {
          const double d = static_cast<double>(*p) - m;
          sq += d * d;
        }
      mean[ch] = m;
      var[ch] = count > 0 ? sq / count : 0.0;
    }
  });
}

struct GlobalStats {
  std::vector<double> mean, var;  // var biased
  double count = 0.0;
};

// Chan et al.'s pairwise merge of (count, mean, M2) over the ranks in rank order; ranks with
// an empty batch contribute nothing. Every rank merges the same gathered values in the same
// order, so all get bitwise the same statistics.
GlobalStats merge(const std::vector<Tensor>& gathered, std::int64_t c) {
  GlobalStats g;
  g.mean.assign(static_cast<std::size_t>(c), 0.0);
  std::vector<double> m2(static_cast<std::size_t>(c), 0.0);
  for (const Tensor& t : gathered) {
    const double* p = t.data_ptr<double>();
    const double nr = p[2 * c];
    if (nr <= 0) continue;
    const double total = g.count + nr;
    for (std::int64_t ch = 0; ch < c; ++ch) {
      const double delta = p[ch] - g.mean[ch];
      g.mean[ch] += delta * nr / total;
      m2[ch] += p[c + ch] * nr + delta * delta * g.count * nr / total;
    }
    g.count = total;
  }
  g.var.resize(m2.size());
  for (std::size_t ch = 0; ch < m2.size(); ++ch) g.var[ch] = g.count > 0 ? m2[ch] / g.count : 0.0;
  return g;
}

// running = (1 - momentum) * running + momentum * value, in place and outside autograd.
void update_running(const Tensor& running, const std::vector<double>& value, double momentum) {
  KEEL_DISPATCH_FLOATING(running.dtype(), "update_running", [&] {
    scalar_t* r = running.data_ptr<scalar_t>();
    for (std::size_t ch = 0; ch < value.size(); ++ch)
      r[ch] = static_cast<scalar_t>((1.0 - momentum) * static_cast<double>(r[ch]) + momentum * value[ch]);
  });
  running.storage()->bump_version();
}

// What the backward needs besides the saved input and weight.
struct BackwardState {
  std::shared_ptr<dist::ProcessGroup> group;
  std::int64_t n, c, s;
  std::vector<double> mean, invstd;
  double count;  // the global batch's values per channel
  bool need_x, need_w, need_b;
};

Tensors backward(const BackwardState& st, const Tensor& grad, const Tensor& x, const Tensor& weight) {
  const std::int64_t n = st.n, c = st.c, s = st.s;
  const Tensor g = grad.dtype() == x.dtype() ? grad.contiguous() : grad.to(x.dtype()).contiguous();
  const std::vector<double> w = to_doubles(weight, c, 1.0);
  // sums[0:c] = sum(dy), sums[c:2c] = sum(dy * xhat), this rank's.
  Tensor sums = zeros({2 * c}, kFloat64);
  double* sm = sums.data_ptr<double>();
  KEEL_DISPATCH_FLOATING(x.dtype(), kOp, [&] {
    const scalar_t* px = x.data_ptr<scalar_t>();
    const scalar_t* pg = g.data_ptr<scalar_t>();
    for (std::int64_t i = 0; i < n; ++i)
      for (std::int64_t ch = 0; ch < c; ++ch)
        for (std::int64_t k = (i * c + ch) * s, e = k + s; k < e; ++k) {
          const double dy = pg[k];
          sm[ch] += dy;
          sm[c + ch] += dy * (static_cast<double>(px[k]) - st.mean[ch]) * st.invstd[ch];
        }
  });
  Tensor dw, db;
  if (st.need_w) dw = from_vector(std::vector<double>(sm + c, sm + 2 * c)).to(x.dtype());
  if (st.need_b) db = from_vector(std::vector<double>(sm, sm + c)).to(x.dtype());
  // Every rank that runs this backward takes part, whatever its own inputs need, so that no
  // rank waits for one that skipped the collective.
  st.group->allreduce(sums, dist::ReduceOp::Sum);
  Tensor dx;
  if (st.need_x) {
    dx = empty(x.sizes(), x.dtype());
    KEEL_DISPATCH_FLOATING(x.dtype(), kOp, [&] {
      const scalar_t* px = x.data_ptr<scalar_t>();
      const scalar_t* pg = g.data_ptr<scalar_t>();
      scalar_t* pd = dx.data_ptr<scalar_t>();
      for (std::int64_t ch = 0; ch < c; ++ch) {
        // dx = w * invstd * (dy - mean(dy) - xhat * mean(dy * xhat)), means over the global batch.
        const double mdy = sm[ch] / st.count, mdyx = sm[c + ch] / st.count;
        const double k = w[ch] * st.invstd[ch];
        for (std::int64_t i = 0; i < n; ++i)
          for (std::int64_t j = (i * c + ch) * s, e = j + s; j < e; ++j) {
            const double xhat = (static_cast<double>(px[j]) - st.mean[ch]) * st.invstd[ch];
            pd[j] = static_cast<scalar_t>(k * (static_cast<double>(pg[j]) - mdy - xhat * mdyx));
          }
      }
    });
  }
  return {dx, dw, db};
}

}  // namespace

Tensor sync_batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                       const Tensor& weight, const Tensor& bias, bool training, double momentum, double eps,
                       const std::shared_ptr<dist::ProcessGroup>& group) {
  KEEL_CHECK(input.defined(), kOp, ": input is undefined");
  KEEL_CHECK(input.is_floating_point(), kOp, ": expected a floating-point input, got ",
             dtype_name(input.dtype()));
  KEEL_CHECK(input.dim() >= 2, kOp, ": expected input of shape (N, C, *) with at least 2 dims, got shape ",
             input.sizes());
  if (!training) return batch_norm(input, running_mean, running_var, weight, bias, false, momentum, eps);
  const std::int64_t n = input.size(0), c = input.size(1);
  std::int64_t s = 1;
  for (int d = 2; d < input.dim(); ++d) s *= input.size(d);
  check_per_channel(weight, c, input, "weight", false);
  check_per_channel(bias, c, input, "bias", false);
  check_per_channel(running_mean, c, input, "running_mean", true);
  check_per_channel(running_var, c, input, "running_var", true);
  KEEL_CHECK(running_mean.defined() == running_var.defined(), kOp,
             ": running_mean and running_var must be both defined or both undefined");
  const std::shared_ptr<dist::ProcessGroup> pg = group ? group : dist::world();

  const Tensor x = input.contiguous();
  Tensor local = empty({2 * c + 1}, kFloat64);
  double* pl = local.data_ptr<double>();
  local_stats(x, n, c, s, pl, pl + c);
  pl[2 * c] = static_cast<double>(n * s);
  const GlobalStats g = merge(pg->allgather(local), c);
  // Every rank sees the same global count, so every rank throws here together.
  KEEL_CHECK(g.count > 1, "Expected more than 1 value per channel when training, got ", g.count, " over the ",
             pg->size(), " ranks of the group (input size ", input.sizes(), " on rank ", pg->rank(), ")");

  BackwardState st{pg,      n,     c,     s,    g.mean, std::vector<double>(static_cast<std::size_t>(c)),
                   g.count, false, false, false};
  for (std::int64_t ch = 0; ch < c; ++ch) st.invstd[ch] = 1.0 / std::sqrt(g.var[ch] + eps);
  Tensor y = empty(input.sizes(), input.dtype());
  {
    const Tensor w = weight.defined() ? weight.contiguous() : Tensor();
    const Tensor b = bias.defined() ? bias.contiguous() : Tensor();
    kernels::batch_norm_apply(x, n, c, s, from_vector(st.mean), from_vector(st.invstd), w, b, y);
  }
  if (running_mean.defined()) {
    std::vector<double> unbiased = g.var;
    for (double& v : unbiased) v = v * g.count / (g.count - 1.0);
    update_running(running_mean, g.mean, momentum);
    update_running(running_var, unbiased, momentum);
  }
  if (autograd::needs_grad(std::vector<Tensor>{input, weight, bias})) {
    st.need_x = input.requires_grad();
    st.need_w = weight.defined() && weight.requires_grad();
    st.need_b = bias.defined() && bias.requires_grad();
    autograd::record(
        "SyncBatchNormBackward", y, {&input, &weight, &bias},
        [st = std::move(st), sx = SavedTensor(x),
         sw = weight.defined() ? SavedTensor(weight) : SavedTensor()](const Tensor& grad) -> Tensors {
          return backward(st, grad, sx.unpack(), sw.defined() ? sw.unpack() : Tensor());
        });
  }
  return y;
}

}  // namespace keel::ops
