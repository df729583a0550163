#pragma once
#include <vector>

#include "keel/optim/optimizer.h"

namespace keel::optim {

// torch.optim.Adagrad (1.13).
struct AdagradOptions {
  double lr = 1e-2;
  double lr_decay = 0.0;
  double weight_decay = 0.0;
  double initial_accumulator_value = 0.0;
  double eps = 1e-10;
  bool maximize = false;
};

class Adagrad : public Optimizer {
 public:
  Adagrad(std::vector<Tensor> params, const AdagradOptions& options = {});
  Adagrad(std::vector<ParamGroup> groups, const AdagradOptions& options = {});
  void step() override;

 protected:
  void validate(const Options& o) const override;
};

}  // namespace keel::optim
