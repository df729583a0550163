#pragma once
// What a configured run needs in memory, estimated from the config before anything is allocated,
// so a model or batch that the machine cannot hold is refused with a message naming the keys
// instead of ending in std::bad_alloc or the kernel's OOM killer (Linux overcommits, so a huge
// allocation can succeed and kill the process later, when its pages are touched).
#include <cstdint>

#include "keel/train/config.h"

namespace keel::train {

struct MemoryEstimate {
  std::int64_t parameters = 0;  // exactly the model's parameter count
  double model_bytes = 0;       // parameters, their gradients and the optimizer's state
  double batch_bytes = 0;       // a lower bound on the activations of the largest batch
  double total() const { return model_bytes + batch_bytes; }
};

// batch: the largest number of samples in one batch (0 for the model alone).
MemoryEstimate estimate_memory(const Config& config, std::int64_t in_features, std::int64_t classes,
                               std::int64_t batch);

// Memory the machine can give this process now: MemAvailable from /proc/meminfo, or else the
// free physical pages (sysconf); 0 when neither is known.
double available_memory_bytes();

// Throws keel::Error when the estimate exceeds what is available, naming the sizes behind it.
void check_memory(const Config& config, std::int64_t in_features, std::int64_t classes, std::int64_t batch);

}  // namespace keel::train
