#pragma once
#include <cmath>
#include <vector>

#include "keel/optim/optimizer.h"

namespace keel::optim {

// torch.optim.SGD (1.13). lr has no default, as in PyTorch: leaving it out is an error.
struct SGDOptions {
  double lr = NAN;
  double momentum = 0.0;
  double dampening = 0.0;
  double weight_decay = 0.0;
  bool nesterov = false;
  bool maximize = false;
};

class SGD : public Optimizer {
 public:
  SGD(std::vector<Tensor> params, const SGDOptions& options);
  SGD(std::vector<ParamGroup> groups, const SGDOptions& options);
  void step() override;

 protected:
  void validate(const Options& o) const override;
};

}  // namespace keel::optim
