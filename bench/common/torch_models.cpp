#include "common/torch_models.h"

#include <memory>

namespace bench {

torch::nn::Sequential torch_mlp(std::int64_t in, std::int64_t h1, std::int64_t h2) {
  namespace tnn = torch::nn;
  return tnn::Sequential(tnn::Linear(in, h1), tnn::BatchNorm1d(h1), tnn::ReLU(), tnn::Dropout(0.2),
                         tnn::Linear(h1, h2), tnn::BatchNorm1d(h2), tnn::ReLU(), tnn::Dropout(0.2),
                         tnn::Linear(h2, 10));
}

torch::nn::Sequential torch_cnn() {
  namespace tnn = torch::nn;
  return tnn::Sequential(tnn::Conv2d(tnn::Conv2dOptions(1, 32, 3).padding(1)), tnn::BatchNorm2d(32),
                         tnn::ReLU(), tnn::MaxPool2d(2),
                         tnn::Conv2d(tnn::Conv2dOptions(32, 64, 3).padding(1)), tnn::BatchNorm2d(64),
                         tnn::ReLU(), tnn::MaxPool2d(2), tnn::Flatten(), tnn::Linear(3136, 128), tnn::ReLU(),
                         tnn::Dropout(0.5), tnn::Linear(128, 10));
}

torch::nn::Sequential torch_model(const StepSpec& spec) {
  if (spec.model == StepModel::kCnn) return torch_cnn();
  return torch_mlp(spec.mlp_widths[0], spec.mlp_widths[1], spec.mlp_widths[2]);
}

TorchStep torch_step(torch::nn::Sequential model) {
  auto opt = std::make_shared<torch::optim::SGD>(
      model->parameters(), torch::optim::SGDOptions(0.01).momentum(0.9).weight_decay(5e-4));
  return [model, opt](const torch::Tensor& x, const torch::Tensor& y) mutable {
    opt->zero_grad();
    torch::Tensor loss = torch::nn::functional::cross_entropy(model->forward(x), y);
    loss.backward();
    torch::nn::utils::clip_grad_norm_(model->parameters(), 1.0);
    opt->step();
  };
}

}  // namespace bench
