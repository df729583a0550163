// The source's regularization loops on one small regression problem: L1 and L2 penalties
// added to the loss (loss = criterion(output, y) + lambda * penalty), elastic net, weight decay
// inside SGD (SGD(lr=0.01, weight_decay=0.01)), momentum, and gradient clipping
// (clip_grad_norm_(model.parameters(), 0.1) between backward and step).
#include <keel/keel.h>

#include <functional>
#include <iomanip>
#include <iostream>

using namespace keel;

namespace {

struct Result {
  double loss;
  double near_zero_share;  // |w| < 0.01 among the weights
};

// 20 features of which only 3 matter, few noisy samples: without a penalty the unused
// weights fit the noise; L1 selects features by driving them to zero.
Result fit(const std::string& name, const std::function<Tensor(nn::Module&)>& penalty, optim::SGDOptions opts,
           double clip) {
  manual_seed(0);
  Tensor x = randn({40, 20});
  Tensor y = (x.narrow(1, 0, 3) * tensor({1.5, -2.0, 0.5})).sum({1}, true) + randn({40, 1}) * 0.5;
  auto model = std::make_shared<nn::Sequential>(
      std::initializer_list<std::shared_ptr<nn::Module>>{std::make_shared<nn::Linear>(20, 1)});
  optim::SGD optimizer(model->parameters(), opts);
  nn::MSELoss criterion;
  Tensor loss;
  for (int step = 0; step < 300; ++step) {
    Tensor output = model->forward(x);
    loss = criterion(output, y);
    Tensor total = penalty ? loss + penalty(*model) : loss;
    optimizer.zero_grad();
    total.backward();
    if (clip > 0) nn::utils::clip_grad_norm_(model->parameters(), clip);
    optimizer.step();
  }
  Tensor w = model->at<nn::Linear>(0)->weight;
  double zero_share = w.abs().lt(1e-2).to(kFloat64).mean().item();
  std::cout << std::left << std::setw(28) << name << " mse " << std::setw(12) << loss.item()
            << " near-zero weights " << zero_share << "\n";
  return {loss.item(), zero_share};
}

}  // namespace

int main() {
  const double lambda = 0.1;
  optim::SGDOptions plain{0.05};
  Result none = fit("none", nullptr, plain, 0);
  Result l1 = fit(
      "L1 (lambda 0.1)", [&](nn::Module& m) { return lambda * nn::l1_penalty(nn::weights_only(m)); }, plain,
      0);
  Result l2 = fit(
      "L2 (lambda 0.1)", [&](nn::Module& m) { return lambda * nn::l2_penalty(nn::weights_only(m)); }, plain,
      0);
  fit(
      "elastic net (alpha 0.5)",
      [&](nn::Module& m) { return lambda * nn::elastic_net_penalty(nn::weights_only(m), 0.5); }, plain, 0);
  fit("weight decay 0.01", nullptr, optim::SGDOptions{0.01, 0.0, 0.0, 0.01}, 0);
  fit("momentum 0.9", nullptr, optim::SGDOptions{0.01, 0.9}, 0);
  Result clipped = fit("clip_grad_norm_ 0.1", nullptr, optim::SGDOptions{0.05, 0.9}, 0.1);
  // L1 drives the unused weights to zero; L2 only shrinks them; all of them still fit.
  bool ok = l1.near_zero_share > none.near_zero_share && l1.near_zero_share >= none.near_zero_share + 0.2 &&
            l2.loss < 1.0 && clipped.loss < 1.0;
  return ok ? 0 : 1;
}
