#pragma once
// The optimizer, learning-rate schedule and weight penalty that a config names.
#include <cstdint>
#include <memory>
#include <vector>

#include "keel/optim/lr_scheduler.h"
#include "keel/optim/optimizer.h"
#include "keel/train/config.h"

namespace keel::train::detail {

std::unique_ptr<optim::Optimizer> make_optimizer(const Config& c, std::vector<Tensor> params);
// Null for optim.schedule = none. `onecycle` steps after every batch (per_step), the others
// per epoch; all of them span train.epochs.
std::unique_ptr<optim::LRScheduler> make_scheduler(const Config& c, optim::Optimizer& opt,
                                                   std::int64_t steps_per_epoch);
bool per_step_schedule(const Config& c);
// reg.penalty of `weights` (unscaled by reg.lambda).
Tensor penalty(const Config& c, const std::vector<Tensor>& weights);

}  // namespace keel::train::detail
