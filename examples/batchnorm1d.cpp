// The source's BatchNorm1d example: normalize a (3, 3) batch in training mode and print it.
// PyTorch prints
//   tensor([[-1.3246, -1.3492, -0.3756],
//           [ 1.0912,  0.3077,  1.3685],
//           [ 0.2334,  1.0415, -0.9930]], grad_fn=<NativeBatchNormBackward0>)
#include <keel/keel.h>
#include <keel/nn/normalization.h>

#include <iostream>

int main() {
  keel::nn::BatchNorm1d bn(3);
  keel::Tensor x =
      keel::tensor({{-0.6577, -0.5797, 0.6360}, {0.7392, 0.2145, 1.523}, {0.2432, 0.5662, 0.322}});
  keel::Tensor y = bn(x);
  std::cout << y << std::endl;
  return 0;
}
