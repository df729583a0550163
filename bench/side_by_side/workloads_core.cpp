// The foundation's workloads: elementwise, reductions, softmax, matmul, per-op overhead.
#include <keel/keel.h>
#include <torch/torch.h>

#include "side_by_side/workloads.h"

namespace bench {
namespace {

keel::Tensor keel_rand(const std::vector<std::int64_t>& shape) { return keel::rand(keel::Dims(shape)) - 0.5; }

}  // namespace

std::vector<Workload> core_workloads() {
  std::vector<Workload> w;
  for (long n : {1L << 20, 1L << 24}) {
    std::string sz = n == (1L << 20) ? "1M" : "16M";
    auto ka = keel_rand({n}), kb = keel_rand({n});
    auto ta = torch::rand({n}) - 0.5, tb = torch::rand({n}) - 0.5;
    double f = static_cast<double>(n) * sizeof(float);
    w.push_back({"add " + sz, 3 * f, 0, [=] { auto r = ka + kb; }, [=] { auto r = ta + tb; }});
    w.push_back({"mul " + sz, 3 * f, 0, [=] { auto r = ka * kb; }, [=] { auto r = ta * tb; }});
    w.push_back(
        {"relu " + sz, 2 * f, 0, [=] { auto r = keel::relu(ka); }, [=] { auto r = torch::relu(ta); }});
  }
  {
    auto k = keel_rand({4096, 1024});
    auto t = torch::rand({4096, 1024}) - 0.5;
    double f = 4096.0 * 1024 * sizeof(float);
    w.push_back({"sum (4096,1024)", f, 0, [=] { auto r = k.sum(); }, [=] { auto r = t.sum(); }});
    w.push_back({"sum dim1 (4096,1024)", f, 0, [=] { auto r = k.sum({1}); }, [=] { auto r = t.sum(1); }});
    w.push_back({"softmax (4096,1024)", 2 * f, 0, [=] { auto r = keel::softmax(k, 1); },
                 [=] { auto r = torch::softmax(t, 1); }});
  }
  for (long n : {256L, 1024L}) {
    auto ka = keel_rand({n, n}), kb = keel_rand({n, n});
    auto ta = torch::rand({n, n}), tb = torch::rand({n, n});
    w.push_back({"matmul " + std::to_string(n) + "^3", 0, 2.0 * n * n * n,
                 [=] { auto r = keel::matmul(ka, kb); }, [=] { auto r = torch::matmul(ta, tb); }});
  }
  {
    // Per-op overhead: forward + backward through 50 ops on 16-element tensors.
    auto kx = keel_rand({16}).requires_grad_();
    auto kw = keel_rand({16});
    auto tx = (torch::rand({16}) - 0.5).requires_grad_();
    auto tw = torch::rand({16}) - 0.5;
    w.push_back({"chain of 50 ops, fwd+bwd (16 floats)", 0, 0,
                 [=] {
                   keel::Tensor y = kx;
                   for (int i = 0; i < 10; ++i) y = keel::sigmoid(keel::tanh(y * kw + kw) - kw);
                   y.sum().backward();
                   kx.set_grad(keel::Tensor());
                 },
                 [=]() mutable {
                   torch::Tensor y = tx;
                   for (int i = 0; i < 10; ++i) y = torch::sigmoid(torch::tanh(y * tw + tw) - tw);
                   y.sum().backward();
                   tx.mutable_grad().reset();
                 }});
  }
  return w;
}

}  // namespace bench
