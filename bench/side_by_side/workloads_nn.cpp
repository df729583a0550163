// Layer-level workloads: normalization and convolution forward+backward in training mode,
// and one optimizer step over the 784-512-256-10 MLP's parameters.
#include <keel/keel.h>
#include <torch/torch.h>

#include "side_by_side/workloads.h"

namespace bench {
namespace {

// Forward + backward of a keel module on x (requires grad) with upstream gradient g.
std::function<void()> keel_fwd_bwd(std::shared_ptr<keel::nn::Module> m, keel::Tensor x, keel::Tensor g) {
  return [=] {
    keel::Tensor y = m->forward(x);
    y.backward(g);
    x.set_grad(keel::Tensor());
    m->zero_grad(/*set_to_none=*/true);
  };
}

template <class M>
std::function<void()> torch_fwd_bwd(M m, torch::Tensor x, torch::Tensor g) {
  return [=]() mutable {
    torch::Tensor y = m->forward(x);
    y.backward(g);
    x.mutable_grad().reset();
    for (auto& p : m->parameters()) p.mutable_grad().reset();
  };
}

struct Pair {
  keel::Tensor kx, kg;
  torch::Tensor tx, tg;
};

Pair inputs(const std::vector<std::int64_t>& shape, const std::vector<std::int64_t>& out_shape) {
  Pair p;
  p.kx = keel::randn(keel::Dims(shape)).requires_grad_();
  p.kg = keel::randn(keel::Dims(out_shape));
  p.tx = torch::randn(shape).requires_grad_();
  p.tg = torch::randn(out_shape);
  return p;
}

void add_norm(std::vector<Workload>& w, const std::string& name, const std::vector<std::int64_t>& shape,
              std::shared_ptr<keel::nn::Module> km,
              const std::function<std::function<void()>(Pair&)>& torch_fn) {
  Pair p = inputs(shape, shape);
  double numel = 1;
  for (auto s : shape) numel *= static_cast<double>(s);
  w.push_back({name, 5 * numel * 4, 0, keel_fwd_bwd(km, p.kx, p.kg), torch_fn(p)});
}

// Parameters of the 784-512-256-10 MLP with random gradients, in both libraries.
std::vector<keel::Tensor> keel_mlp_params() {
  std::vector<keel::Tensor> ps;
  for (auto [o, i] : {std::pair{512, 784}, {256, 512}, {10, 256}}) {
    ps.push_back(keel::randn({o, i}).requires_grad_());
    ps.push_back(keel::randn({o}).requires_grad_());
  }
  for (auto& p : ps) p.set_grad(keel::randn(p.sizes()) * 0.01);
  return ps;
}
std::vector<torch::Tensor> torch_mlp_params() {
  std::vector<torch::Tensor> ps;
  for (auto [o, i] : {std::pair{512, 784}, {256, 512}, {10, 256}}) {
    ps.push_back(torch::randn({o, i}).requires_grad_());
    ps.push_back(torch::randn({o}).requires_grad_());
  }
  for (auto& p : ps) p.mutable_grad() = torch::randn(p.sizes()) * 0.01;
  return ps;
}

}  // namespace

std::vector<Workload> nn_workloads() {
  std::vector<Workload> w;
  namespace tnn = torch::nn;
  add_norm(w, "BatchNorm2d fwd+bwd (32,64,32,32)", {32, 64, 32, 32},
           std::make_shared<keel::nn::BatchNorm2d>(64),
           [](Pair& p) { return torch_fwd_bwd(tnn::BatchNorm2d(64), p.tx, p.tg); });
  add_norm(w, "BatchNorm1d fwd+bwd (4096,1024)", {4096, 1024}, std::make_shared<keel::nn::BatchNorm1d>(1024),
           [](Pair& p) { return torch_fwd_bwd(tnn::BatchNorm1d(1024), p.tx, p.tg); });
  add_norm(w, "LayerNorm fwd+bwd (4096,1024)", {4096, 1024},
           std::make_shared<keel::nn::LayerNorm>(keel::Dims{1024}),
           [](Pair& p) { return torch_fwd_bwd(tnn::LayerNorm(tnn::LayerNormOptions({1024})), p.tx, p.tg); });
  add_norm(w, "GroupNorm(32) fwd+bwd (32,64,32,32)", {32, 64, 32, 32},
           std::make_shared<keel::nn::GroupNorm>(32, 64),
           [](Pair& p) { return torch_fwd_bwd(tnn::GroupNorm(32, 64), p.tx, p.tg); });
  add_norm(w, "InstanceNorm2d(affine) fwd+bwd (32,64,32,32)", {32, 64, 32, 32},
           std::make_shared<keel::nn::InstanceNorm2d>(64, 1e-5, 0.1, /*affine=*/true), [](Pair& p) {
             return torch_fwd_bwd(tnn::InstanceNorm2d(tnn::InstanceNorm2dOptions(64).affine(true)), p.tx,
                                  p.tg);
           });
  {
    Pair p = inputs({64, 32, 28, 28}, {64, 64, 28, 28});
    auto kc = std::make_shared<keel::nn::Conv2d>(32, 64, 3, 1, 1);
    auto tc = tnn::Conv2d(tnn::Conv2dOptions(32, 64, 3).padding(1));
    double flops = 3 * 2.0 * 64 * 64 * 28 * 28 * 32 * 9;  // forward, grad input, grad weight
    w.push_back({"Conv2d 3x3 fwd+bwd (64,32,28,28)->64", 0, flops, keel_fwd_bwd(kc, p.kx, p.kg),
                 torch_fwd_bwd(tc, p.tx, p.tg)});
  }
  {
    auto kp = keel_mlp_params();
    auto tp = torch_mlp_params();
    auto ksgd = std::make_shared<keel::optim::SGD>(kp, keel::optim::SGDOptions{0.01, 0.9, 0.0, 5e-4});
    auto tsgd = std::make_shared<torch::optim::SGD>(
        tp, torch::optim::SGDOptions(0.01).momentum(0.9).weight_decay(5e-4));
    w.push_back({"SGD step (momentum, wd), MLP params", 0, 0, [=] { ksgd->step(); }, [=] { tsgd->step(); }});
    keel::optim::AdamWOptions ko;
    ko.lr = 1e-3;
    auto kadam = std::make_shared<keel::optim::AdamW>(keel_mlp_params(), ko);
    auto tadam = std::make_shared<torch::optim::AdamW>(torch_mlp_params(), torch::optim::AdamWOptions(1e-3));
    w.push_back({"AdamW step, MLP params", 0, 0, [=] { kadam->step(); }, [=] { tadam->step(); }});
  }
  return w;
}

}  // namespace bench
