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

}  // namespace

void Progress::begin_epoch(int epoch, int epochs, std::int64_t steps, std::int64_t first_step) {
  epoch_ = epoch;
  epochs_ = epochs;
  steps_ = steps;
  first_step_ = first_step;
  start_ = last_draw_ = std::chrono::steady_clock::now();
  drawn_ = false;
}

void Progress::update(std::int64_t done, double running_loss, double running_acc, std::int64_t samples) {
  if (!bar_) return;
  auto now = std::chrono::steady_clock::now();
  // Redraw at most ten times a second (and always at the end of the epoch).
  if (drawn_ && done < steps_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  drawn_ = true;
  const double secs = std::chrono::duration<double>(now - start_).count();
  constexpr int kWidth = 24;
  const int filled = steps_ ? static_cast<int>(kWidth * done / steps_) : kWidth;
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.resize(kWidth, '.');
  out_ << "\r\033[K"
       << "epoch " << epoch_ << "/" << epochs_ << " [" << bar << "] " << done << "/" << steps_ << "  loss "
       << fixed4(running_loss) << "  acc " << pct(running_acc) << "  "
       << (secs > 0 ? num("%.0f", static_cast<double>(samples) / secs) : std::string("-")) << " samples/s"
       << std::flush;
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
  out_ << epoch_line(m, epochs_) << (best ? "  *" : "") << "\n" << std::flush;
}

}  // namespace keel::train::detail
