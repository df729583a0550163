// Trains a small MLP on a synthetic two-spirals problem with nothing but keel tensors and
// autograd: the loop a PyTorch user writes by hand (forward, loss, backward, SGD step).
#include <keel/keel.h>

#include <cmath>
#include <cstdlib>
#include <iostream>

using namespace keel;

namespace {

// Two interleaved spirals, one per class; `n` points each, with a little noise.
void make_spirals(std::int64_t n, Tensor& x, Tensor& y) {
  Tensor t = linspace(0.25, 3.0 * M_PI, n, kFloat32);
  Tensor noise = randn({2 * n, 2}) * 0.05;
  std::vector<float> pts;
  std::vector<std::int64_t> labels;
  Tensor tc = t.contiguous();
  const float* tp = tc.data_ptr<float>();
  for (int cls = 0; cls < 2; ++cls) {
    for (std::int64_t i = 0; i < n; ++i) {
      double angle = tp[i] + cls * M_PI, radius = tp[i] / (3.0 * M_PI);
      pts.push_back(static_cast<float>(radius * std::cos(angle)));
      pts.push_back(static_cast<float>(radius * std::sin(angle)));
      labels.push_back(cls);
    }
  }
  x = from_vector(pts, {2 * n, 2}) + noise;
  y = from_vector(labels);
}

// Mean cross-entropy of logits (N, C) against int64 labels (N).
Tensor cross_entropy(const Tensor& logits, const Tensor& labels) {
  Tensor logp = log_softmax(logits, 1);
  return -gather(logp, 1, labels.unsqueeze(1)).mean();
}

}  // namespace

int main(int argc, char** argv) {
  int epochs = argc > 1 ? std::atoi(argv[1]) : 300;
  manual_seed(0);
  Tensor x, y;
  make_spirals(200, x, y);

  const std::int64_t hidden = 64;
  // Kaiming-style scaling keeps the ReLU layers' activations at a useful size.
  Tensor w1 = (randn({2, hidden}) * std::sqrt(2.0 / 2)).requires_grad_();
  Tensor b1 = zeros({hidden}).requires_grad_();
  Tensor w2 = (randn({hidden, hidden}) * std::sqrt(2.0 / hidden)).requires_grad_();
  Tensor b2 = zeros({hidden}).requires_grad_();
  Tensor w3 = (randn({hidden, 2}) * std::sqrt(1.0 / hidden)).requires_grad_();
  Tensor b3 = zeros({2}).requires_grad_();
  std::vector<Tensor> params = {w1, b1, w2, b2, w3, b3};
  std::vector<Tensor> velocity;
  for (const Tensor& p : params) velocity.push_back(zeros_like(p));
  const double lr = 0.1, momentum = 0.9;

  double accuracy = 0;
  for (int epoch = 1; epoch <= epochs; ++epoch) {
    Tensor h = relu(matmul(x, w1) + b1);
    h = relu(matmul(h, w2) + b2);
    Tensor logits = matmul(h, w3) + b3;
    Tensor loss = cross_entropy(logits, y);
    for (Tensor& p : params) p.set_grad(Tensor());
    loss.backward();
    {
      NoGradGuard no_grad;  // SGD with momentum, as torch.optim.SGD computes it
      for (std::size_t i = 0; i < params.size(); ++i) {
        velocity[i].mul_(momentum).add_(params[i].grad());
        params[i].sub_(velocity[i], lr);
      }
      accuracy = argmax(logits, 1).eq(y).to(kFloat32).mean().item();
    }
    if (epoch == 1 || epoch % 50 == 0 || epoch == epochs) {
      std::cout << "epoch " << epoch << "  loss " << loss.item() << "  train accuracy " << accuracy << "\n";
    }
  }
  // The spirals are separable: a working engine gets well above chance.
  if (accuracy < 0.9) {
    std::cerr << "error: training did not converge (accuracy " << accuracy << ")\n";
    return 1;
  }
  return 0;
}
