#include "train/run_state.h"

#include <cmath>
#include <cstdio>

#include "keel/core/error.h"

namespace keel::train::detail {
namespace {

constexpr const char* kStepKey = "keel.trainer.step";
constexpr const char* kGlobalStepKey = "keel.trainer.global_step";
constexpr const char* kSchedulerKey = "keel.trainer.scheduler_steps";
constexpr const char* kGenSeedKey = "keel.trainer.generator_seed";
constexpr const char* kGenOffsetKey = "keel.trainer.generator_offset";
constexpr const char* kEpochsKey = "keel.trainer.epochs";

// Doubles in metadata: 17 significant digits read back to the same bits.
std::string exact(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

const std::string& meta(const io::Metadata& m, const std::string& key, const std::string& file) {
  auto it = m.find(key);
  KEEL_CHECK(it != m.end(), file, ": not a keel training state (no '", key, "' in its metadata)");
  return it->second;
}

// Whole-string parses: "12abc" or "" are errors, not 12 or 0.
template <typename T, typename Parse>
T parse(const io::Metadata& m, const std::string& key, const std::string& file, const char* what, Parse p) {
  const std::string& s = meta(m, key, file);
  std::size_t used = 0;
  try {
    T v = p(s, &used);
    if (used == s.size()) return v;
  } catch (const std::exception&) {
  }
  keel::detail::fail(file, ": metadata '", key, "' is not ", what, ": '", s, "'");
}
double meta_double(const io::Metadata& m, const std::string& key, const std::string& file) {
  return parse<double>(m, key, file, "a number",
                       [](const std::string& s, std::size_t* n) { return std::stod(s, n); });
}
std::int64_t meta_int(const io::Metadata& m, const std::string& key, const std::string& file) {
  return parse<std::int64_t>(m, key, file, "an integer",
                             [](const std::string& s, std::size_t* n) { return std::stoll(s, n); });
}
std::uint64_t meta_uint(const io::Metadata& m, const std::string& key, const std::string& file) {
  const std::string& s = meta(m, key, file);
  KEEL_CHECK(!s.empty() && s[0] != '-', file, ": metadata '", key, "' is not an unsigned integer: '", s, "'");
  return parse<std::uint64_t>(m, key, file, "an unsigned integer",
                              [](const std::string& t, std::size_t* n) { return std::stoull(t, n); });
}

}  // namespace

io::Metadata to_metadata(const RunPosition& p) {
  return {
      {kEpochKey, std::to_string(p.epoch)},
      {kStepKey, std::to_string(p.step)},
      {kGlobalStepKey, std::to_string(p.global_step)},
      {kSchedulerKey, std::to_string(p.scheduler_steps)},
      {kGenSeedKey, std::to_string(p.seed)},
      {kGenOffsetKey, std::to_string(p.generator_offset)},
      {kEpochsKey, std::to_string(p.epochs)},
      {"keel.trainer.loss_sum", exact(p.sums.loss)},
      {"keel.trainer.grad_norm_sum", exact(p.sums.grad_norm)},
      {"keel.trainer.seconds", exact(p.sums.seconds)},
      {"keel.trainer.correct", std::to_string(p.sums.correct)},
      {"keel.trainer.seen", std::to_string(p.sums.seen)},
      {"keel.trainer.norms", std::to_string(p.sums.norms)},
  };
}

int read_epoch(const io::Metadata& m, const std::string& file) {
  const std::int64_t e = meta_int(m, kEpochKey, file);
  KEEL_CHECK(e >= 0 && e <= 1'000'000'000, file, ": metadata '", kEpochKey, "' = ", e,
             " is not an epoch number");
  return static_cast<int>(e);
}

RunPosition position_from_metadata(const io::Metadata& m, const std::string& file) {
  RunPosition p;
  p.epoch = read_epoch(m, file);
  p.step = meta_int(m, kStepKey, file);
  p.global_step = meta_int(m, kGlobalStepKey, file);
  p.scheduler_steps = meta_int(m, kSchedulerKey, file);
  p.seed = meta_uint(m, kGenSeedKey, file);
  p.generator_offset = meta_uint(m, kGenOffsetKey, file);
  if (m.count(kEpochsKey)) p.epochs = meta_int(m, kEpochsKey, file);
  p.sums.loss = meta_double(m, "keel.trainer.loss_sum", file);
  p.sums.grad_norm = meta_double(m, "keel.trainer.grad_norm_sum", file);
  p.sums.seconds = meta_double(m, "keel.trainer.seconds", file);
  p.sums.correct = meta_int(m, "keel.trainer.correct", file);
  p.sums.seen = meta_int(m, "keel.trainer.seen", file);
  p.sums.norms = meta_int(m, "keel.trainer.norms", file);
  return p;
}

void validate(const RunPosition& p, const RunShape& s, const std::string& file) {
  auto bad = [&](const auto&... why) {
    keel::detail::fail(file, ": ", why..., " (", s.steps_per_epoch,
                       " steps per epoch, train.epochs = ", s.epochs,
                       "); was the data or batch size changed, or is the file damaged?");
  };
  const int done = p.epoch + (p.step > 0 ? 1 : 0);  // epochs completed or begun
  if (done > s.epochs)
    keel::detail::fail(file, ": the run has already ", p.step > 0 ? "begun " : "completed ", done,
                       " epochs, more than train.epochs = ", s.epochs,
                       "; resume with --set train.epochs=", done, " or more");
  if (p.step < 0 || p.step >= s.steps_per_epoch)
    bad("step ", p.step, " of epoch ", p.epoch + 1, " is out of range");
  // Every step of every epoch so far, exactly: counts that disagree cannot be resumed exactly.
  const std::int64_t steps_done = static_cast<std::int64_t>(p.epoch) * s.steps_per_epoch + p.step;
  if (p.global_step != steps_done)
    bad("global_step ", p.global_step, " does not match epoch ", p.epoch, " step ", p.step);
  const std::int64_t expected_scheduler = s.schedule == RunShape::Schedule::PerStep    ? steps_done
                                          : s.schedule == RunShape::Schedule::PerEpoch ? p.epoch
                                                                                       : 0;
  if (p.scheduler_steps != expected_scheduler)
    bad("scheduler_steps ", p.scheduler_steps, " does not match ", expected_scheduler,
        " scheduler steps taken by epoch ", p.epoch, " step ", p.step);
  const EpochSums& e = p.sums;
  if (e.seen < 0 || e.seen > p.step * s.batch_size || e.correct < 0 || e.correct > e.seen || e.norms < 0 ||
      e.norms > p.step || !std::isfinite(e.loss) || !std::isfinite(e.seconds) || e.seconds < 0)
    bad("the sums of the partly done epoch (", e.seen, " samples, ", e.correct, " correct, ", e.norms,
        " norms) do not fit ", p.step, " steps of ", s.batch_size);
}

}  // namespace keel::train::detail
