// `keel biasvar` end to end on a tiny CSV data set: two variants of three bootstrap models each,
// the models' runs, biasvar.csv (columns, the squared-error identity per row), the SVG and the
// summary, and the refusal to overwrite without --overwrite.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "io/temp_dir.h"
#include "support/cli_runner.h"
#include "train/xml_check.h"

#ifndef KEEL_CLI_PATH
#error "KEEL_CLI_PATH must name the keel executable"
#endif

namespace keel {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

using testing::keel;
using testing::Outcome;
using testing::slurp;

// 150 rows, 4 features, 3 classes, with some label noise (every 7th row is shifted) so that
// the models disagree; the same file is the test set.
void write_data(const TempDir& tmp) {
  std::ofstream f(tmp.file("d.csv"));
  f << "a,b,c,d,label\n";
  for (int i = 0; i < 150; ++i)
    f << (i % 3) * 0.5 + (i % 7) * 0.05 << "," << (i % 5) * 0.25 << "," << (i % 3) * -0.3 << ","
      << (i % 11) * 0.0625 << "," << (i % 7 == 0 ? (i + 1) % 3 : i % 3) << "\n";
  std::ofstream c(tmp.file("bv.toml"));
  c << "[data]\ndataset = \"csv\"\ncsv_train = \"d.csv\"\ncsv_test = \"d.csv\"\n"
       "[model]\nhidden = [4]\n"
       "[train]\nepochs = 2\nbatch_size = 16\nthreads = 1\n"
       "[[variant]]\nname = \"narrow\"\nmodel.hidden = [2]\n"
       "[[variant]]\nname = \"wide\"\nmodel.hidden = [32]\n";
}

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> cells;
  std::stringstream ss(line);
  std::string cell;
  while (std::getline(ss, cell, ',')) cells.push_back(cell);
  return cells;
}

const char* kArgs = "biasvar bv.toml --models 3 --run-dir bv";

TEST(BiasvarCli, DecomposesEachVariantAndWritesTheFiles) {
  TempDir tmp;
  write_data(tmp);
  Outcome r = keel(kArgs, tmp);
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  const fs::path dir = tmp.path() / "bv";
  for (const char* v : {"narrow", "wide"})
    for (const char* m : {"model_0", "model_1", "model_2"})
      EXPECT_TRUE(fs::exists(dir / v / m / "metrics.csv"));
  EXPECT_FALSE(fs::exists(dir / "narrow" / "model_3"));

  std::istringstream csv(slurp(dir / "biasvar.csv"));
  std::string line;
  std::getline(csv, line);
  EXPECT_EQ(line,
            "variant,models,sq_error,sq_bias2,sq_variance,zero_one_error,zero_one_bias,zero_one_variance,"
            "zero_one_net_variance,train_seconds");
  std::vector<std::string> names;
  while (std::getline(csv, line)) {
    const auto cells = split(line);
    ASSERT_EQ(cells.size(), 10u) << line;
    names.push_back(cells[0]);
    EXPECT_EQ(cells[1], "3");
    const double sq = std::stod(cells[2]), bias2 = std::stod(cells[3]), var = std::stod(cells[4]);
    EXPECT_NEAR(sq, bias2 + var, 1e-9) << line;
    EXPECT_GT(var, 0.0) << line;  // bootstrap models differ
    const double err = std::stod(cells[5]), bias = std::stod(cells[6]), net = std::stod(cells[8]);
    for (int c = 5; c <= 7; ++c) {
      EXPECT_GE(std::stod(cells[c]), 0.0) << line;
      EXPECT_LE(std::stod(cells[c]), 1.0) << line;
    }
    EXPECT_NEAR(net, err - bias, 1e-9) << line;
    EXPECT_GT(std::stod(cells[9]), 0.0) << line;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"narrow", "wide"}));

  const std::string svg = slurp(dir / "biasvar.svg");
  EXPECT_EQ(testing::xml_problem(svg), "");
  EXPECT_NE(svg.find("variance of wide"), std::string::npos);
  const std::string summary = slurp(dir / "biasvar.txt");
  EXPECT_NE(summary.find("lowest 0-1 test error: "), std::string::npos) << summary;
  EXPECT_NE(summary.find("narrow: "), std::string::npos) << summary;
  EXPECT_NE(summary.find("-dominated"), std::string::npos) << summary;
  EXPECT_NE(r.out.find(summary), std::string::npos) << r.out;

  // A second run into the same directory is refused before training, leaving the files.
  const std::string before = slurp(dir / "biasvar.csv");
  Outcome again = keel(kArgs, tmp);
  EXPECT_EQ(again.code, 1);
  EXPECT_EQ(again.err.rfind("keel: error: ", 0), 0u) << again.err;
  EXPECT_NE(again.err.find("--overwrite"), std::string::npos) << again.err;
  EXPECT_EQ(again.out.find("== variant"), std::string::npos) << again.out;
  EXPECT_EQ(slurp(dir / "biasvar.csv"), before);
  Outcome over = keel(std::string(kArgs) + " --overwrite", tmp);
  EXPECT_EQ(over.code, 0) << over.err;
  // The same seeds give the same models, hence the same decomposition (the time column aside).
  auto without_time = [](const std::string& text) {
    std::string out;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) out += l.substr(0, l.rfind(',')) + "\n";
    return out;
  };
  EXPECT_EQ(without_time(slurp(dir / "biasvar.csv")), without_time(before));
}

TEST(BiasvarCli, RefusesBadInputWithOneLine) {
  TempDir tmp;
  write_data(tmp);
  Outcome one = keel("biasvar bv.toml --models 1 --run-dir x", tmp);
  EXPECT_EQ(one.code, 1) << one.err;
  EXPECT_NE(one.err.find("--models"), std::string::npos) << one.err;
  // No test set to decompose on.
  Outcome no_test = keel("biasvar --models 2 --run-dir y --set data.dataset=csv data.csv_train=d.csv", tmp);
  EXPECT_EQ(no_test.code, 1) << no_test.err;
  EXPECT_NE(no_test.err.find("data.csv_test"), std::string::npos) << no_test.err;
  EXPECT_FALSE(fs::exists(tmp.path() / "y"));
}

}  // namespace
}  // namespace keel
