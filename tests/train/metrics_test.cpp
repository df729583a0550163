#include <gtest/gtest.h>
#include <keel/core/error.h>
#include <keel/train/atomic_write.h>
#include <keel/train/metrics.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

#include "support/text_file.h"
#include "train/train_test_util.h"

using namespace keel;
using namespace keel::train;
using keel::testing::ScratchDir;

namespace {

using keel::testing::slurp;

// Expects parse_csv to throw keel::Error whose message contains `needle`.
void expect_csv_error(const std::string& text, const std::string& needle) {
  try {
    MetricsLog::parse_csv(text, "metrics.csv");
    ADD_FAILURE() << "no error for:\n" << text;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << "message: " << e.what();
  }
}

const std::string kHeader = "epoch,train_loss,train_acc,val_loss,val_acc,lr,grad_norm,seconds\n";

}  // namespace

TEST(TrainMetrics, CsvRoundTripIsBitExact) {
  MetricsLog log;
  log.push_back({1, 0.1 + 0.2, 1.0 / 3, 2.302585092994046, 0.0999, 0.1, 12.5, 3.25});
  log.push_back(
      {2, 1e-300, 0.5, std::numeric_limits<double>::infinity(), EpochMetrics::kMissing, 1e-5, 0.0, 1e9});
  log.push_back({5, -0.0, 1.0, 0.25, 1.0, 0.01, 5e-324, 0.0});
  ScratchDir dir;
  auto path = dir.path() / "metrics.csv";
  log.write_csv(path);

  const std::string text = slurp(path);
  EXPECT_EQ(text.substr(0, kHeader.size()), kHeader);
  EXPECT_NE(text.find("2,1e-300,0.5,inf,nan,"), std::string::npos) << text;

  MetricsLog back = MetricsLog::read_csv(path);
  ASSERT_EQ(back.size(), log.size());
  for (std::size_t i = 0; i < log.size(); ++i) {
    EXPECT_EQ(back[i].epoch, log[i].epoch);
    const double a[] = {log[i].train_loss, log[i].train_acc, log[i].val_loss, log[i].val_acc,
                        log[i].lr,         log[i].grad_norm, log[i].seconds};
    const double b[] = {back[i].train_loss, back[i].train_acc, back[i].val_loss, back[i].val_acc,
                        back[i].lr,         back[i].grad_norm, back[i].seconds};
    for (int k = 0; k < 7; ++k) {
      if (std::isnan(a[k])) {
        EXPECT_TRUE(std::isnan(b[k]));
      } else {
        EXPECT_EQ(std::memcmp(&a[k], &b[k], sizeof(double)), 0)
            << "row " << i << " field " << k << ": " << b[k];
      }
    }
  }
  EXPECT_EQ(back.to_csv(), text);
}

TEST(TrainMetrics, EmptyLogAndCrLf) {
  EXPECT_TRUE(MetricsLog::parse_csv(kHeader).empty());
  auto log = MetricsLog::parse_csv(
      "epoch,train_loss,train_acc,val_loss,val_acc,lr,grad_norm,seconds\r\n"
      "1,0.5,0.8,0.6,0.7,0.1,1,2\r\n");
  ASSERT_EQ(log.size(), 1u);
  EXPECT_DOUBLE_EQ(log[0].seconds, 2.0);
}

TEST(TrainMetrics, MalformedCsvNamesLineAndColumn) {
  expect_csv_error("", "metrics.csv:1:1: empty file");
  expect_csv_error("epoch,train_loss\n", "metrics.csv:1:1: expected the header");
  expect_csv_error(kHeader + "1,0.5,0.8,0.6,0.7,0.1,1,2\n2,0.4,0.8x,0.6,0.7,0.1,1,2\n",
                   "metrics.csv:3:7: 'train_acc' must be a number (or nan/inf), found '0.8x'");
  expect_csv_error(kHeader + "1,0.5,0.8,0.6\n",
                   "metrics.csv:2:14: expected 8 comma-separated fields, found 4");
  expect_csv_error(kHeader + "1,0.5,0.8,0.6,0.7,0.1,1,2,9\n",
                   "metrics.csv:2:26: expected 8 comma-separated fields, found more");
  expect_csv_error(kHeader + "1,0.5,,0.6,0.7,0.1,1,2\n", "metrics.csv:2:7: empty field 'train_acc'");
  expect_csv_error(kHeader + "1.5,0.5,0.8,0.6,0.7,0.1,1,2\n",
                   "metrics.csv:2:1: 'epoch' must be a non-negative integer");
  expect_csv_error(kHeader + "2,0.5,0.8,0.6,0.7,0.1,1,2\n2,0.5,0.8,0.6,0.7,0.1,1,2\n",
                   "metrics.csv:3:1: epoch 2 does not follow epoch 2");
  expect_csv_error(kHeader + "1,0.5,0.8,0.6,0.7,0.1,1,2\n\n2,0.5,0.8,0.6,0.7,0.1,1,2\n",
                   "metrics.csv:3:1: empty line");
  expect_csv_error(kHeader + "1,0.5,0.8,0.6,0.7,0.1,1, 2\n", "metrics.csv:2:25: 'seconds' must be a number");
  expect_csv_error(kHeader + "1,0.5,0.8,0.6,0.7,1e999,1,2\n", "metrics.csv:2:19: 'lr' is out of range");
}

TEST(TrainMetrics, ReadMissingFileNamesPath) {
  ScratchDir dir;
  auto path = dir.path() / "nope.csv";
  try {
    MetricsLog::read_csv(path);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("No such file"), std::string::npos) << e.what();
  }
}

TEST(TrainMetrics, ReadErrorsNameThePath) {
  ScratchDir dir;
  auto path = dir.path() / "metrics.csv";
  write_text_file_atomic(path, kHeader + "1,abc,0.8,0.6,0.7,0.1,1,2\n");
  try {
    MetricsLog::read_csv(path);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(path.string() + ":2:3:"), std::string::npos) << e.what();
  }
}

TEST(TrainMetrics, TruncateAfterAndSummary) {
  auto log = keel::testing::overfitting_log();
  RunSummary s = summarize(log);
  EXPECT_EQ(s.epochs, 20);
  EXPECT_EQ(s.best_val_loss_epoch, 6);
  EXPECT_DOUBLE_EQ(s.best_val_loss, 0.312);
  EXPECT_EQ(s.best_val_acc_epoch, 6);
  EXPECT_NEAR(s.best_val_acc, 0.88, 1e-12);
  EXPECT_NEAR(s.final_acc_gap, 0.981 - 0.857, 1e-12);
  EXPECT_DOUBLE_EQ(s.total_seconds, 40.0);
  log.truncate_after(7);
  EXPECT_EQ(log.size(), 7u);
  EXPECT_EQ(log.back().epoch, 7);
  EXPECT_EQ(summarize(MetricsLog{}).best_val_acc_epoch, -1);
}

TEST(TrainAtomicWrite, LeavesOnlyTheTargetOnSuccess) {
  ScratchDir dir;
  auto path = dir.path() / "curves.svg";
  write_text_file_atomic(path, "first");
  write_text_file_atomic(path, "second, longer content");
  EXPECT_EQ(slurp(path), "second, longer content");
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"curves.svg"});
}

TEST(TrainAtomicWrite, MissingDirectoryThrowsAndWritesNothing) {
  ScratchDir dir;
  auto path = dir.path() / "no_such_dir" / "metrics.csv";
  try {
    write_text_file_atomic(path, "x");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
  }
  EXPECT_TRUE(dir.entries().empty());
}

TEST(TrainAtomicWrite, FailedRenameRemovesTheTemporary) {
  ScratchDir dir;
  auto path = dir.path() / "report.html";
  std::filesystem::create_directory(path);  // rename(file, directory) fails
  EXPECT_THROW(write_text_file_atomic(path, "x"), Error);
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"report.html"});
  EXPECT_TRUE(std::filesystem::is_directory(path));
}

TEST(TrainAtomicWrite, UnwritableDirectoryThrowsAndWritesNothing) {
  if (::geteuid() == 0) {
    // Root ignores permission bits; /proc is a directory that refuses new files even to root.
    const std::filesystem::path path = "/proc/keel_metrics_test.csv";
    try {
      write_text_file_atomic(path, "x");
      ADD_FAILURE() << "no error";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("cannot write '/proc/keel_metrics_test.csv'"), std::string::npos)
          << e.what();
    }
    EXPECT_FALSE(std::filesystem::exists(path));
    return;
  }
  ScratchDir dir;
  auto sub = dir.path() / "ro";
  std::filesystem::create_directory(sub);
  std::filesystem::permissions(sub, std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
  try {
    write_text_file_atomic(sub / "metrics.csv", "x");
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("Permission denied"), std::string::npos) << e.what();
  }
  std::filesystem::permissions(sub, std::filesystem::perms::owner_all);
  EXPECT_TRUE(std::filesystem::is_empty(sub));
}
