#include "train/progress.h"

#include <cmath>
#include <cstdio>
#include <ostream>
#include <string>

namespace keel::train::detail {

namespace {

std::string num(const char* fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

std::string pct(double v) { return std::isnan(v) ? "-" : num("%.2f%%", v * 100); }
std::string fixed4(double v) { return std::isnan(v) ? "-" : num("%.4f", v); }
std::string eta_text(double s) { return s < 0 ? "?" : Progress::duration(s); }

}  // namespace

Progress::Progress(std::ostream& out, bool bar, std::function<double()> clock)
    : out_(out), bar_(bar), clock_(std::move(clock)) {}

double Progress::now() const {
  if (clock_) return clock_();
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string Progress::duration(double seconds) {
  const auto s = static_cast<long long>(std::llround(std::max(0.0, seconds)));
  char buf[48];
  if (s < 60)
    std::snprintf(buf, sizeof buf, "%llds", s);
  else if (s < 3600)
    std::snprintf(buf, sizeof buf, "%lld:%02lld", s / 60, s % 60);
  else
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
  return buf;
}

void Progress::begin_epoch(int epoch, int epochs, std::int64_t steps, std::int64_t first_step) {
  epoch_ = epoch;
  epochs_ = epochs;
  steps_ = steps;
  first_step_ = first_step;
  epoch_start_ = last_draw_ = now();
  if (!started_) run_start_ = epoch_start_;
  started_ = true;
  drawn_ = false;
}

double Progress::elapsed() const { return started_ ? now() - run_start_ : 0; }

double Progress::epoch_eta(std::int64_t done) const {
  const std::int64_t taken = done - first_step_;
  if (taken <= 0) return -1;
  return (now() - epoch_start_) / static_cast<double>(taken) * static_cast<double>(steps_ - done);
}

double Progress::run_eta(std::int64_t done) const {
  const double rest = epoch_eta(done);
  const int later = epochs_ - epoch_;  // epochs after this one
  if (later <= 0 || rest < 0) return rest;
  const double per_epoch = finished_ > 0 ? finished_seconds_ / finished_
                                         : (now() - epoch_start_) / static_cast<double>(done - first_step_) *
                                               static_cast<double>(steps_);
  return rest + per_epoch * later;
}

void Progress::update(std::int64_t done, double running_loss, double running_acc, std::int64_t samples) {
  if (!bar_) return;
  const double t = now();
  // Redraw at most ten times a second (and always at the end of the epoch).
  if (drawn_ && done < steps_ && t - last_draw_ < 0.1) return;
  last_draw_ = t;
  drawn_ = true;
  const double secs = t - epoch_start_;
  constexpr int kWidth = 24;
  const int filled = steps_ ? static_cast<int>(kWidth * done / steps_) : kWidth;
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.resize(kWidth, '.');
  out_ << "\r\033[K"
       << "epoch " << epoch_ << "/" << epochs_ << " [" << bar << "] " << done << "/" << steps_ << "  loss "
       << fixed4(running_loss) << "  acc " << pct(running_acc) << "  "
       << (secs > 0 ? num("%.0f", static_cast<double>(samples) / secs) : std::string("-")) << " samples/s  "
       << duration(secs) << " eta " << eta_text(epoch_eta(done)) << "  run " << duration(elapsed()) << " eta "
       << eta_text(run_eta(done)) << std::flush;
}

void Progress::interrupt() {
  if (bar_ && drawn_) out_ << "\r\033[K" << std::flush;
  drawn_ = false;
}

std::string Progress::epoch_line(const EpochMetrics& m, int epochs) {
  return "epoch " + std::to_string(m.epoch) + "/" + std::to_string(epochs) + "  train loss " +
         fixed4(m.train_loss) + " acc " + pct(m.train_acc) + "  val loss " + fixed4(m.val_loss) + " acc " +
         pct(m.val_acc) + "  lr " + num("%.4g", m.lr) + "  grad norm " + num("%.3g", m.grad_norm) + "  " +
         num("%.1f", m.seconds) + "s";
}

void Progress::end_epoch(const EpochMetrics& m, bool best) {
  interrupt();
  const double t = now();
  finished_seconds_ += t - epoch_start_;
  ++finished_;
  const int later = epochs_ - epoch_;
  out_ << epoch_line(m, epochs_) << (best ? "  *" : "") << "  elapsed " << duration(t - run_start_) << " eta "
       << duration(later * finished_seconds_ / finished_) << "\n"
       << std::flush;
}

}  // namespace keel::train::detail
