#pragma once
// Where a run stands, as saved in the training state's metadata for --resume: the epoch and
// step, the step counters, the generator, and the sums of a partly done epoch. Every count read
// back is checked against what the run can hold before any loop uses it.
#include <cstdint>
#include <string>

#include "keel/io/safetensors.h"

namespace keel::train::detail {

// Sums over the steps of one epoch (saved with a mid-epoch training state, so that a resumed
// epoch reports the same figures as an uninterrupted one).
struct EpochSums {
  double loss = 0, grad_norm = 0, seconds = 0;
  std::int64_t correct = 0, seen = 0, norms = 0;
};

struct RunPosition {
  int epoch = 0;          // 0-based epoch in progress = the number of completed epochs
  std::int64_t step = 0;  // its steps already done
  std::int64_t global_step = 0;
  std::int64_t scheduler_steps = 0;
  std::uint64_t seed = 0, generator_offset = 0;
  std::int64_t epochs = -1;  // train.epochs when saved; -1 in states older than the key
  EpochSums sums;
};

// What the resumed run can hold, for validate().
struct RunShape {
  std::int64_t steps_per_epoch = 0;
  std::int64_t epochs = 0;  // train.epochs of the resumed run
  std::int64_t batch_size = 0;
  enum class Schedule { None, PerEpoch, PerStep } schedule = Schedule::None;
};

io::Metadata to_metadata(const RunPosition& p);
// Throws keel::Error naming `file` and the key when one is missing or not a number.
RunPosition position_from_metadata(const io::Metadata& m, const std::string& file);
// Throws keel::Error naming `file` when a count does not fit `shape` (which would make the
// scheduler's fast-forward or the step loop run for ever or out of range).
void validate(const RunPosition& p, const RunShape& shape, const std::string& file);

// The metadata key of RunPosition::epoch (read on its own by the run directory's recovery).
inline constexpr const char* kEpochKey = "keel.trainer.epoch";
int read_epoch(const io::Metadata& m, const std::string& file);

}  // namespace keel::train::detail
