#include <keel/keel.h>

#include <iostream>

int main() {
  keel::Tensor x = keel::tensor({1.0, 2.0, 3.0}).requires_grad_();
  keel::Tensor y = (x * x).sum();
  y.backward();
  // d/dx sum(x^2) = 2x
  bool ok = x.grad()[2].item() == 6.0;
  std::cout << (ok ? "find_package(keel) works" : "wrong gradient") << "\n";
  return ok ? 0 : 1;
}
