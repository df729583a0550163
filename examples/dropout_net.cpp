// The source's dropout Net: Linear(10, 10) -> Dropout(p=0.5) -> Linear(10, 10). In training
// mode about half of the hidden units are zeroed (the rest scaled by 2); in eval mode dropout
// is the identity, so the output is deterministic.
#include <keel/keel.h>

#include <iostream>

using namespace keel;

class Net : public nn::Module {
 public:
  Net() : Module("Net") {
    layer1 = register_module("layer1", std::make_shared<nn::Linear>(10, 10));
    dropout = register_module("dropout", std::make_shared<nn::Dropout>(0.5));
    layer2 = register_module("layer2", std::make_shared<nn::Linear>(10, 10));
  }
  Tensor forward(const Tensor& x) override {
    Tensor h = layer1->forward(x);
    h = dropout->forward(h);
    return layer2->forward(h);
  }
  std::shared_ptr<nn::Linear> layer1, layer2;
  std::shared_ptr<nn::Dropout> dropout;
};

int main() {
  manual_seed(0);
  auto model = std::make_shared<Net>();
  std::cout << *model << "\n";
  Tensor x = randn({1000, 10});

  Tensor hidden = model->dropout->forward(model->layer1->forward(x));
  double zeroed = hidden.eq(0.0).to(kFloat64).mean().item();
  std::cout << "training mode: share of zeroed hidden units " << zeroed << "\n";

  model->eval();
  Tensor a = model->forward(x), b = model->forward(x);
  double diff = (a - b).abs().max().item();
  std::cout << "eval mode: two forward passes differ by " << diff << "\n";
  return (zeroed > 0.45 && zeroed < 0.55 && diff == 0.0) ? 0 : 1;
}
