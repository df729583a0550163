#pragma once
// The trainer's per-epoch progress display: on a terminal a bar redrawn in place (\r) with
// samples/s, the running loss, the elapsed time and the ETAs of the epoch and of the run;
// otherwise nothing until the epoch's one summary line (with the run's elapsed time and ETA), so
// logs and pipes get one plain line per epoch.
//
// ETAs come from this process's own pace: the epoch's remaining steps at its seconds per step,
// and every later epoch at the mean duration of the epochs finished so far (evaluation
// included), or at the step pace before the first one ends.
#include <chrono>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>

#include "keel/train/metrics.h"

namespace keel::train::detail {

class Progress {
 public:
  // `clock`: seconds on a monotonic clock (tests pass a fake one); empty: steady_clock.
  Progress(std::ostream& out, bool bar, std::function<double()> clock = {});

  void begin_epoch(int epoch, int epochs, std::int64_t steps, std::int64_t first_step);
  // After `done` of the epoch's steps; running_* cover the steps of this epoch so far.
  void update(std::int64_t done, double running_loss, double running_acc, std::int64_t samples);
  // Replaces the bar (if any) by the epoch's summary line.
  void end_epoch(const EpochMetrics& m, bool best);
  // Clears an unfinished bar so that a message starts on a clean line.
  void interrupt();

  static std::string epoch_line(const EpochMetrics& m, int epochs);
  // "42s", "3:05", "1:02:03".
  static std::string duration(double seconds);

  // Seconds since the first begin_epoch, and the estimates after `done` steps of the epoch
  // (negative while there is nothing to estimate from).
  double elapsed() const;
  double epoch_eta(std::int64_t done) const;
  double run_eta(std::int64_t done) const;

 private:
  double now() const;

  std::ostream& out_;
  bool bar_;
  std::function<double()> clock_;
  bool drawn_ = false, started_ = false;
  int epoch_ = 0, epochs_ = 0;
  std::int64_t steps_ = 0, first_step_ = 0;
  double run_start_ = 0, epoch_start_ = 0, last_draw_ = 0;
  double finished_seconds_ = 0;  // total duration of the epochs this process finished
  int finished_ = 0;
};

}  // namespace keel::train::detail
