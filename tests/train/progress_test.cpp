#include "train/progress.h"

#include <gtest/gtest.h>

#include <sstream>

namespace keel::train::detail {
namespace {

TEST(ProgressTest, DurationsReadAsClockTimes) {
  EXPECT_EQ(Progress::duration(0), "0s");
  EXPECT_EQ(Progress::duration(42.4), "42s");
  EXPECT_EQ(Progress::duration(185), "3:05");
  EXPECT_EQ(Progress::duration(3723), "1:02:03");
}

// With a fake clock: 10 steps per epoch at 1 s each, 3 epochs.
TEST(ProgressTest, TheBarShowsElapsedTimeAndTheEtasOfTheEpochAndTheRun) {
  double t = 100;
  std::ostringstream out;
  Progress p(out, /*bar=*/true, [&] { return t; });
  p.begin_epoch(1, 3, 10, 0);
  t += 4;
  p.update(4, 0.5, 0.8, 128);
  EXPECT_DOUBLE_EQ(p.elapsed(), 4);
  EXPECT_DOUBLE_EQ(p.epoch_eta(4), 6);
  EXPECT_DOUBLE_EQ(p.run_eta(4), 6 + 2 * 10);
  EXPECT_NE(out.str().find("4s eta 6s"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("run 4s eta 26s"), std::string::npos) << out.str();

  // The first epoch took 12 s with its evaluation: later epochs are estimated at that.
  t += 8;
  EpochMetrics m;
  m.epoch = 1;
  p.end_epoch(m, false);
  EXPECT_NE(out.str().find("elapsed 12s eta 24s"), std::string::npos) << out.str();
  p.begin_epoch(2, 3, 10, 0);
  t += 5;
  EXPECT_DOUBLE_EQ(p.run_eta(5), 5 + 12);
}

// Logs and pipes get one line per epoch, with the run's elapsed time and ETA.
TEST(ProgressTest, PlainLinesCarryElapsedAndEta) {
  double t = 0;
  std::ostringstream out;
  Progress p(out, /*bar=*/false, [&] { return t; });
  p.begin_epoch(1, 2, 10, 0);
  t += 3;
  p.update(10, 0.5, 0.8, 320);
  t += 1;
  EpochMetrics m;
  m.epoch = 1;
  p.end_epoch(m, true);
  EXPECT_EQ(out.str().find('\r'), std::string::npos);
  EXPECT_NE(out.str().find("epoch 1/2"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("elapsed 4s eta 4s"), std::string::npos) << out.str();
}

}  // namespace
}  // namespace keel::train::detail
