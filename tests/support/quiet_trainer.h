#pragma once
// Trainer options for tests: output captured in strings, no progress bar, no SIGINT handler.
#include <cstdint>
#include <sstream>
#include <string>

#include "keel/train/trainer.h"

namespace keel::testing {

struct QuietTrainer {
  std::ostringstream out, err;
  // stop_after > 0 stops the run after that many optimizer steps, as Ctrl-C would.
  train::TrainerOptions options(const std::string& dir, std::int64_t stop_after = 0) {
    train::TrainerOptions o;
    o.run_dir = dir;
    o.out = &out;
    o.err = &err;
    o.progress = 0;
    o.handle_sigint = false;
    o.stop_after_steps = stop_after;
    return o;
  }
};

}  // namespace keel::testing
