#pragma once
// The trainer's per-epoch progress display: on a terminal a bar redrawn in place (\r) with
// samples/s and the running loss; otherwise nothing until the epoch's one summary line, so
// logs and pipes get one plain line per epoch.
#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <string>

#include "keel/train/metrics.h"

namespace keel::train::detail {

class Progress {
 public:
  Progress(std::ostream& out, bool bar) : out_(out), bar_(bar) {}

  void begin_epoch(int epoch, int epochs, std::int64_t steps, std::int64_t first_step);
  // After `done` of the epoch's steps; running_* cover the steps of this epoch so far.
  void update(std::int64_t done, double running_loss, double running_acc, std::int64_t samples);
  // Replaces the bar (if any) by the epoch's summary line.
  void end_epoch(const EpochMetrics& m, bool best);
  // Clears an unfinished bar so that a message starts on a clean line.
  void interrupt();

  static std::string epoch_line(const EpochMetrics& m, int epochs);

 private:
  std::ostream& out_;
  bool bar_;
  bool drawn_ = false;
  int epoch_ = 0, epochs_ = 0;
  std::int64_t steps_ = 0, first_step_ = 0;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace keel::train::detail
