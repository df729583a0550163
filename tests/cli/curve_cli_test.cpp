// `keel curve` end to end on a tiny CSV data set: two sizes, their sub-runs, the CSV and SVG
// files, the printed diagnosis, and the refusal to overwrite without --overwrite.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "io/temp_dir.h"
#include "support/cli_runner.h"
#include "train/xml_check.h"

#ifndef KEEL_CLI_PATH
#error "KEEL_CLI_PATH must name the keel executable"
#endif

namespace keel {
namespace {

namespace fs = std::filesystem;
using testing::keel;
using testing::Outcome;
using testing::slurp;
using testing::TempDir;

// 150 rows, 4 features, 3 classes; with data.val_fraction = 0.2 the training part has 120.
void write_csv(const std::string& path) {
  std::ofstream f(path);
  f << "a,b,c,d,label\n";
  for (int i = 0; i < 150; ++i)
    f << (i % 3) * 0.5 + (i % 7) * 0.05 << "," << (i % 5) * 0.25 << "," << (i % 3) * -0.3 << ","
      << (i % 11) * 0.0625 << "," << i % 3 << "\n";
}

const char* kArgs =
    "curve --run-dir lc --sizes 40,1000 --set data.dataset=csv data.csv_train=d.csv data.csv_test=d.csv "
    "data.val_fraction=0.2 model.hidden=8 train.epochs=2 train.batch_size=16 train.threads=2";

TEST(CurveCli, TrainsEachSizeAndWritesTheCurve) {
  TempDir tmp;
  write_csv(tmp.file("d.csv"));
  Outcome r = keel(kArgs, tmp);
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  const fs::path dir = tmp.path() / "lc";
  // 1000 is clamped to the 120 samples of the training part.
  EXPECT_TRUE(fs::exists(dir / "size_40" / "metrics.csv"));
  EXPECT_TRUE(fs::exists(dir / "size_120" / "metrics.csv"));
  std::istringstream csv(slurp(dir / "learning_curve.csv"));
  std::string line;
  std::getline(csv, line);
  EXPECT_EQ(line, "size,train_error,val_error,best_val_error,seconds");
  std::vector<std::string> sizes;
  while (std::getline(csv, line)) {
    sizes.push_back(line.substr(0, line.find(',')));
    // Every error is a fraction in [0, 1].
    std::stringstream cells(line.substr(line.find(',') + 1));
    std::string cell;
    for (int k = 0; k < 3 && std::getline(cells, cell, ','); ++k) {
      const double e = std::stod(cell);
      EXPECT_GE(e, 0.0) << line;
      EXPECT_LE(e, 1.0) << line;
    }
  }
  EXPECT_EQ(sizes, (std::vector<std::string>{"40", "120"}));
  const std::string svg = slurp(dir / "learning_curve.svg");
  EXPECT_EQ(testing::xml_problem(svg), "");
  EXPECT_NE(svg.find("validation error at 120"), std::string::npos);
  EXPECT_NE(r.out.find("diagnosis: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("the same 30 samples for every size"), std::string::npos) << r.out;

  // A second curve into the same directory is refused before training, leaving the files.
  const std::string before = slurp(dir / "learning_curve.csv");
  Outcome again = keel(kArgs, tmp);
  EXPECT_EQ(again.code, 1);
  EXPECT_EQ(again.err.rfind("keel: error: ", 0), 0u) << again.err;
  EXPECT_NE(again.err.find("--overwrite"), std::string::npos) << again.err;
  EXPECT_EQ(slurp(dir / "learning_curve.csv"), before);
  Outcome over = keel(std::string(kArgs) + " --overwrite", tmp);
  EXPECT_EQ(over.code, 0) << over.err;

  // Bad sizes are usage errors or clear errors, never a crash.
  Outcome bad = keel("curve --run-dir lc2 --sizes=-3 --set data.dataset=csv data.csv_train=d.csv", tmp);
  EXPECT_EQ(bad.code, 1) << bad.err;
  EXPECT_NE(bad.err.find("--sizes"), std::string::npos) << bad.err;
  // A config whose model cannot be built is refused before the first size trains.
  Outcome gru = keel(
      "curve --run-dir lc3 --set model.arch=gru model.hidden=8 data.dataset=csv data.csv_train=d.csv", tmp);
  EXPECT_EQ(gru.code, 1) << gru.err;
  EXPECT_NE(gru.err.find("model.arch = gru"), std::string::npos) << gru.err;
  EXPECT_EQ(gru.out.find("== size"), std::string::npos) << gru.out;
  EXPECT_FALSE(fs::exists(tmp.path() / "lc3"));
}

}  // namespace
}  // namespace keel
