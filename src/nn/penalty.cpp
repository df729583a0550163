// weights_only: the tensors a weight penalty (keel/ops/penalty.h) usually applies to.
#include "keel/nn/penalty.h"

#include <set>
#include <string>

namespace keel::nn {

std::vector<Tensor> weights_only(Module& module) {
  static const std::set<std::string> kWeighted = {"Linear",          "Bilinear",        "Conv1d",
                                                  "Conv2d",          "Conv3d",          "ConvTranspose1d",
                                                  "ConvTranspose2d", "ConvTranspose3d", "LazyLinear"};
  std::vector<Tensor> out;
  for (const auto& m : module.modules()) {
    if (!kWeighted.count(m->type_name())) continue;
    for (const auto& [name, t] : m->named_parameters(false))
      if (name == "weight" && t.defined()) out.push_back(t);
  }
  return out;
}

}  // namespace keel::nn
