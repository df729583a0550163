// Whole training steps (zero_grad, forward, loss, backward, clip, SGD step), the models of
// the performance issue: mlp_step, tiny_mlp_step and cnn_step.
#include <keel/keel.h>
#include <torch/torch.h>

#include "side_by_side/workloads.h"

namespace bench {
namespace {

std::shared_ptr<keel::nn::Sequential> keel_mlp(std::int64_t in, std::int64_t h1, std::int64_t h2) {
  using namespace keel::nn;
  return std::make_shared<Sequential>(std::initializer_list<std::shared_ptr<Module>>{
      std::make_shared<Linear>(in, h1), std::make_shared<BatchNorm1d>(h1), std::make_shared<ReLU>(),
      std::make_shared<Dropout>(0.2), std::make_shared<Linear>(h1, h2), std::make_shared<BatchNorm1d>(h2),
      std::make_shared<ReLU>(), std::make_shared<Dropout>(0.2), std::make_shared<Linear>(h2, 10)});
}

torch::nn::Sequential torch_mlp(std::int64_t in, std::int64_t h1, std::int64_t h2) {
  namespace tnn = torch::nn;
  return tnn::Sequential(tnn::Linear(in, h1), tnn::BatchNorm1d(h1), tnn::ReLU(), tnn::Dropout(0.2),
                         tnn::Linear(h1, h2), tnn::BatchNorm1d(h2), tnn::ReLU(), tnn::Dropout(0.2),
                         tnn::Linear(h2, 10));
}

std::shared_ptr<keel::nn::Sequential> keel_cnn() {
  using namespace keel::nn;
  return std::make_shared<Sequential>(std::initializer_list<std::shared_ptr<Module>>{
      std::make_shared<Conv2d>(1, 32, 3, 1, 1), std::make_shared<BatchNorm2d>(32), std::make_shared<ReLU>(),
      std::make_shared<MaxPool2d>(2), std::make_shared<Conv2d>(32, 64, 3, 1, 1),
      std::make_shared<BatchNorm2d>(64), std::make_shared<ReLU>(), std::make_shared<MaxPool2d>(2),
      std::make_shared<Flatten>(), std::make_shared<Linear>(3136, 128), std::make_shared<ReLU>(),
      std::make_shared<Dropout>(0.5), std::make_shared<Linear>(128, 10)});
}

torch::nn::Sequential torch_cnn() {
  namespace tnn = torch::nn;
  return tnn::Sequential(tnn::Conv2d(tnn::Conv2dOptions(1, 32, 3).padding(1)), tnn::BatchNorm2d(32),
                         tnn::ReLU(), tnn::MaxPool2d(2),
                         tnn::Conv2d(tnn::Conv2dOptions(32, 64, 3).padding(1)), tnn::BatchNorm2d(64),
                         tnn::ReLU(), tnn::MaxPool2d(2), tnn::Flatten(), tnn::Linear(3136, 128), tnn::ReLU(),
                         tnn::Dropout(0.5), tnn::Linear(128, 10));
}

Workload step_workload(const std::string& name, std::shared_ptr<keel::nn::Sequential> km,
                       torch::nn::Sequential tm, const std::vector<std::int64_t>& input_shape) {
  const std::int64_t batch = input_shape[0];
  keel::Tensor kx = keel::randn(keel::Dims(input_shape));
  keel::Tensor ky = keel::randint(0, 10, {batch});
  torch::Tensor tx = torch::randn(input_shape);
  torch::Tensor ty = torch::randint(0, 10, {batch});
  auto kopt =
      std::make_shared<keel::optim::SGD>(km->parameters(), keel::optim::SGDOptions{0.01, 0.9, 0.0, 5e-4});
  auto topt = std::make_shared<torch::optim::SGD>(
      tm->parameters(), torch::optim::SGDOptions(0.01).momentum(0.9).weight_decay(5e-4));
  auto kloss = std::make_shared<keel::nn::CrossEntropyLoss>();
  return {name, 0, 0,
          [=] {
            kopt->zero_grad(/*set_to_none=*/true);
            keel::Tensor loss = (*kloss)(km->forward(kx), ky);
            loss.backward();
            keel::nn::utils::clip_grad_norm_(km->parameters(), 1.0);
            kopt->step();
          },
          [=]() mutable {
            topt->zero_grad();
            torch::Tensor loss = torch::nn::functional::cross_entropy(tm->forward(tx), ty);
            loss.backward();
            torch::nn::utils::clip_grad_norm_(tm->parameters(), 1.0);
            topt->step();
          }};
}

}  // namespace

std::vector<Workload> step_workloads() {
  std::vector<Workload> w;
  w.push_back(step_workload("tiny_mlp_step 32-64-64-10, batch 32", keel_mlp(32, 64, 64),
                            torch_mlp(32, 64, 64), {32, 32}));
  w.push_back(step_workload("mlp_step 784-512-256-10, batch 128", keel_mlp(784, 512, 256),
                            torch_mlp(784, 512, 256), {128, 784}));
  w.push_back(step_workload("cnn_step, batch 64", keel_cnn(), torch_cnn(), {64, 1, 28, 28}));
  return w;
}

}  // namespace bench
