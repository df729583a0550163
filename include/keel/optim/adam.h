#pragma once
#include <vector>

#include "keel/optim/optimizer.h"

namespace keel::optim {

// torch.optim.Adam (1.13): L2 weight decay added to the gradient.
struct AdamOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.0;
  bool amsgrad = false;
  bool maximize = false;
};

class Adam : public Optimizer {
 public:
  Adam(std::vector<Tensor> params, const AdamOptions& options = {});
  Adam(std::vector<ParamGroup> groups, const AdamOptions& options = {});
  void step() override;

 protected:
  Adam(const char* name, Options defaults, bool decoupled);
  void validate(const Options& o) const override;

 private:
  bool decoupled_;  // AdamW: param *= 1 - lr * weight_decay instead of L2 on the gradient
};

}  // namespace keel::optim
