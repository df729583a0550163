#pragma once
#include <vector>

#include "keel/optim/optimizer.h"

namespace keel::optim {

// torch.optim.RMSprop (1.13).
struct RMSpropOptions {
  double lr = 1e-2;
  double alpha = 0.99;
  double eps = 1e-8;
  double weight_decay = 0.0;
  double momentum = 0.0;
  bool centered = false;
  bool maximize = false;
};

class RMSprop : public Optimizer {
 public:
  RMSprop(std::vector<Tensor> params, const RMSpropOptions& options = {});
  RMSprop(std::vector<ParamGroup> groups, const RMSpropOptions& options = {});
  void step() override;

 protected:
  void validate(const Options& o) const override;
};

}  // namespace keel::optim
