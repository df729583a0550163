// Whole training steps (zero_grad, forward, loss, backward, clip, SGD step), the models of
// the performance issue: tiny_mlp_step, mlp_step and cnn_step (bench/common/step_specs.h).
#include <keel/keel.h>
#include <torch/torch.h>

#include "common/keel_models.h"
#include "common/torch_models.h"
#include "side_by_side/workloads.h"

namespace bench {
namespace {

Workload step_workload(const StepSpec& spec) {
  keel::Tensor kx = keel::randn(keel::Dims(spec.input_shape));
  keel::Tensor ky = keel::randint(0, 10, {spec.batch()});
  torch::Tensor tx = torch::randn(spec.input_shape);
  torch::Tensor ty = torch::randint(0, 10, {spec.batch()});
  KeelStep kstep = keel_step(keel_model(spec));
  TorchStep tstep = torch_step(torch_model(spec));
  Workload w{spec.name, 0, 0, [=] { kstep(kx, ky); }, [=] { tstep(tx, ty); }};
  w.items = static_cast<double>(spec.batch());
  return w;
}

}  // namespace

std::vector<Workload> step_workloads() {
  std::vector<Workload> w;
  for (const StepSpec& spec : step_specs()) w.push_back(step_workload(spec));
  return w;
}

}  // namespace bench
