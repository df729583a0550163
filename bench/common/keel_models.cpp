#include "common/keel_models.h"

namespace bench {

std::shared_ptr<keel::nn::Sequential> keel_mlp(std::int64_t in, std::int64_t h1, std::int64_t h2) {
  using namespace keel::nn;
  return std::make_shared<Sequential>(std::initializer_list<std::shared_ptr<Module>>{
      std::make_shared<Linear>(in, h1), std::make_shared<BatchNorm1d>(h1), std::make_shared<ReLU>(),
      std::make_shared<Dropout>(0.2), std::make_shared<Linear>(h1, h2), std::make_shared<BatchNorm1d>(h2),
      std::make_shared<ReLU>(), std::make_shared<Dropout>(0.2), std::make_shared<Linear>(h2, 10)});
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

std::shared_ptr<keel::nn::Sequential> keel_model(const StepSpec& spec) {
  if (spec.model == StepModel::kCnn) return keel_cnn();
  return keel_mlp(spec.mlp_widths[0], spec.mlp_widths[1], spec.mlp_widths[2]);
}

KeelStep keel_step(std::shared_ptr<keel::nn::Sequential> model) {
  auto opt =
      std::make_shared<keel::optim::SGD>(model->parameters(), keel::optim::SGDOptions{0.01, 0.9, 0.0, 5e-4});
  auto criterion = std::make_shared<keel::nn::CrossEntropyLoss>();
  return [model, opt, criterion](const keel::Tensor& x, const keel::Tensor& y) {
    opt->zero_grad(/*set_to_none=*/true);
    keel::Tensor loss = (*criterion)(model->forward(x), y);
    loss.backward();
    keel::nn::utils::clip_grad_norm_(model->parameters(), 1.0);
    opt->step();
  };
}

}  // namespace bench
