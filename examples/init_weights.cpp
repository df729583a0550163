// The source's weight-initialization Net, both ways: _init_weights called directly right after
// the layers are defined, and the generic form through apply(), which visits every submodule
// and checks isinstance(module, nn.Linear) (here: module.as<nn::Linear>()).
#include <keel/keel.h>

#include <iostream>

using namespace keel;

// nn.init.xavier_uniform_ on the weights, bias.data.fill_(0.01), called directly.
class NetDirect : public nn::Module {
 public:
  NetDirect() : Module("Net") {
    layer = register_module(
        "layer", std::make_shared<nn::Sequential>(std::initializer_list<std::shared_ptr<nn::Module>>{
                     std::make_shared<nn::Linear>(1, 2), std::make_shared<nn::Sigmoid>()}));
    fc = register_module("fc", std::make_shared<nn::Linear>(2, 1));
    init_weights();
  }
  Tensor forward(const Tensor& x) override { return fc->forward(layer->forward(x)); }

  std::shared_ptr<nn::Sequential> layer;
  std::shared_ptr<nn::Linear> fc;

 private:
  void init_weights() {
    auto first = layer->at<nn::Linear>(0);
    nn::init::xavier_uniform_(first->weight);
    nn::init::constant_(first->bias, 0.01);
    nn::init::xavier_uniform_(fc->weight);
    nn::init::constant_(fc->bias, 0.01);
  }
};

// The same Net, initialized generically with apply().
class NetApply : public nn::Module {
 public:
  NetApply() : Module("Net") {
    layer = register_module(
        "layer", std::make_shared<nn::Sequential>(std::initializer_list<std::shared_ptr<nn::Module>>{
                     std::make_shared<nn::Linear>(1, 2), std::make_shared<nn::Sigmoid>()}));
    fc = register_module("fc", std::make_shared<nn::Linear>(2, 1));
    apply([](nn::Module& module) { init_weights(module); });
  }
  Tensor forward(const Tensor& x) override { return fc->forward(layer->forward(x)); }

  std::shared_ptr<nn::Sequential> layer;
  std::shared_ptr<nn::Linear> fc;

 private:
  static void init_weights(nn::Module& module) {
    if (auto* linear = module.as<nn::Linear>()) {
      nn::init::xavier_uniform_(linear->weight);
      nn::init::constant_(linear->bias, 0.01);
    }
    std::cout << "Apply : " << module << "\n";
  }
};

int main() {
  manual_seed(0);
  auto direct = std::make_shared<NetDirect>();
  std::cout << *direct << "\n";
  std::cout << "layer.0.bias = " << direct->layer->at<nn::Linear>(0)->bias << "\n\n";

  auto model = std::make_shared<NetApply>();
  std::cout << "\nfc.bias = " << model->fc->bias << "\n";
  // Xavier's bound for fc (fan_in 2, fan_out 1): sqrt(6 / 3).
  double bound = std::sqrt(6.0 / 3.0);
  bool ok = model->fc->weight.abs().max().item() <= bound && model->fc->bias.item() == 0.009999999776482582;
  return ok ? 0 : 1;
}
