// l1/l2 penalties as one fused op each: a single pass per parameter and one autograd node
// whose backward produces every parameter's gradient, instead of abs/pow/sum per tensor.
#include "keel/ops/penalty.h"

#include <cmath>
#include <vector>

#include "keel/autograd/node.h"
#include "keel/ops/elementwise.h"
#include "keel/tensor/dispatch.h"
#include "keel/tensor/factories.h"
#include "kernels/cpu/parallel.h"

namespace keel::ops {

namespace {

enum class Kind { L1, L2 };

template <class T>
double accumulate(const T* x, std::int64_t n, Kind kind) {
  // Fixed-size chunks summed in order: the value does not depend on the thread count.
  constexpr std::int64_t kChunk = kernels::kGrain;
  const std::int64_t chunks = (n + kChunk - 1) / kChunk;
  std::vector<double> part(static_cast<std::size_t>(chunks), 0.0);
  kernels::parallel_for(0, chunks, 1, [&](std::int64_t cb, std::int64_t ce) {
    for (std::int64_t c = cb; c < ce; ++c) {
      const std::int64_t b = c * kChunk, e = std::min(n, b + kChunk);
      double acc = 0;
      if (kind == Kind::L1) {
        for (std::int64_t i = b; i < e; ++i) acc += std::abs(static_cast<double>(x[i]));
      } else {
        for (std::int64_t i = b; i < e; ++i) acc += static_cast<double>(x[i]) * static_cast<double>(x[i]);
      }
      part[c] = acc;
    }
  });
  double total = 0;
  for (double v : part) total += v;
  return total;
}

// d(penalty)/dw * g for one parameter.
Tensor penalty_grad(const Tensor& w, double g, Kind kind) {
  Tensor src = w.contiguous();
  Tensor out = empty(w.sizes(), w.dtype());
  KEEL_DISPATCH_FLOATING(w.dtype(), "penalty backward", [&] {
    const scalar_t* x = src.data_ptr<scalar_t>();
    scalar_t* o = out.data_ptr<scalar_t>();
    const scalar_t gs = static_cast<scalar_t>(kind == Kind::L1 ? g : 2 * g);
    kernels::parallel_for(0, w.numel(), kernels::kGrain, [&](std::int64_t b, std::int64_t e) {
      if (kind == Kind::L1) {
        for (std::int64_t i = b; i < e; ++i)
          o[i] = x[i] > scalar_t(0) ? gs : (x[i] < scalar_t(0) ? -gs : scalar_t(0));
      } else {
        for (std::int64_t i = b; i < e; ++i) o[i] = gs * x[i];
      }
    });
  });
  return out;
}

Tensor penalty(const std::vector<Tensor>& params, Kind kind, const char* op, const char* node) {
  if (params.empty()) return scalar_tensor(0.0);
  const DType dt = params[0].dtype();
  double total = 0;
  for (const Tensor& p : params) {
    KEEL_CHECK(p.defined(), op, ": a parameter is an undefined tensor");
    KEEL_CHECK(p.dtype() == dt && p.is_floating_point(), op,
               ": expected floating-point parameters of one dtype, got ", dtype_name(dt), " and ",
               dtype_name(p.dtype()));
    Tensor c = p.detach().contiguous();
    total +=
        KEEL_DISPATCH_FLOATING(dt, op, [&] { return accumulate(c.data_ptr<scalar_t>(), c.numel(), kind); });
  }
  Tensor out = scalar_tensor(total, dt);
  if (autograd::needs_grad(params)) {
    std::vector<autograd::SavedTensor> saved;
    std::vector<const Tensor*> inputs;
    for (const Tensor& p : params) {
      saved.emplace_back(p.requires_grad() ? autograd::SavedTensor(p) : autograd::SavedTensor());
      inputs.push_back(&p);
    }
    autograd::record(node, out, inputs,
                     [saved = std::move(saved), kind](const Tensor& g) -> autograd::Tensors {
                       const double gv = g.item();
                       autograd::Tensors grads;
                       for (const auto& s : saved)
                         grads.push_back(s.defined() ? penalty_grad(s.unpack(), gv, kind) : Tensor());
                       return grads;
                     });
  }
  return out;
}

}  // namespace

Tensor l1_penalty(const std::vector<Tensor>& params) {
  return penalty(params, Kind::L1, "l1_penalty", "L1PenaltyBackward");
}

Tensor l2_penalty(const std::vector<Tensor>& params) {
  return penalty(params, Kind::L2, "l2_penalty", "L2PenaltyBackward");
}

Tensor elastic_net_penalty(const std::vector<Tensor>& params, double alpha) {
  return l1_penalty(params) * alpha + l2_penalty(params) * (1.0 - alpha);
}

}  // namespace keel::ops
