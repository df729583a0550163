// `mpirun -np 2 keel train/compare` on a tiny CSV data set (and Fashion-MNIST for the CNN when
// installed): data-parallel training ends with one process's weights at twice the batch,
// resumes bit-exactly on 2 ranks and runs on in one process, compare spreads its variants, and
// a failing or killed rank ends the job with an error instead of a hang. Skipped when keel is
// built without MPI (KEEL_WITH_MPI off).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "io/temp_dir.h"
#include "keel/data/mnist.h"
#include "keel/io/safetensors.h"
#include "support/cli_runner.h"

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

#ifdef KEEL_MPIRUN
// What OpenMPI needs in a container (as tests/dist_mpi): root, more ranks than cores, no ssh,
// no CMA single-copy; in the sanitizer build, no leak report of OpenMPI's own allocations. `timeout` bounds
// every job: a hang fails the test instead of CTest.
constexpr const char* kMpirun =
    "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1 "
    "OMPI_MCA_plm_rsh_agent= OMPI_MCA_btl_vader_single_copy_mechanism=none OMPI_MCA_mpi_yield_when_idle=1 "
    "ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1 "
    "timeout 240 '" KEEL_MPIRUN "' --allow-run-as-root --oversubscribe";
#define SKIP_WITHOUT_MPI()
#else
constexpr const char* kMpirun = "";
#define SKIP_WITHOUT_MPI() GTEST_SKIP() << "keel is built without MPI (KEEL_WITH_MPI)"
#endif

// `mpirun -np <ranks> keel <args>`.
Outcome mpi_keel(int ranks, const std::string& args, const TempDir& cwd) {
  return testing::run_command(
      std::string(kMpirun) + " -np " + std::to_string(ranks) + " '" KEEL_CLI_PATH "' " + args, cwd);
}

// 200 rows, 4 features, 3 classes; with data.val_fraction = 0.2 the training part has 160
// (a multiple of 2 ranks x 16 and of 32, so every batch is full).
void write_csv(const std::string& path) {
  std::ofstream f(path);
  f << "a,b,c,d,label\n";
  for (int i = 0; i < 200; ++i)
    f << (i % 3) * 0.5 + (i % 7) * 0.05 << "," << (i % 5) * 0.25 << "," << (i % 3) * -0.3 << ","
      << (i % 11) * 0.0625 << "," << i % 3 << "\n";
}

const std::string kCsv =
    " data.dataset=csv data.csv_train=d.csv data.csv_test=d.csv data.val_fraction=0.2 model.hidden=16,8 "
    "train.threads=1 optim.lr=0.05";

// The largest |a - b| over the tensors of two safetensors files (which must hold the same names
// and shapes).
double max_difference(const fs::path& a, const fs::path& b) {
  const auto fa = io::load_safetensors(a.string()), fb = io::load_safetensors(b.string());
  EXPECT_EQ(fa.tensors.size(), fb.tensors.size());
  double worst = 0;
  for (const auto& [name, ta] : fa.tensors) {
    bool found = false;
    for (const auto& [other, tb] : fb.tensors) {
      if (other != name) continue;
      found = true;
      EXPECT_EQ(ta.sizes(), tb.sizes()) << name;
      if (ta.sizes() != tb.sizes()) return INFINITY;
      worst = std::max(worst, (ta.to(kFloat64) - tb.to(kFloat64)).abs().max().item());
    }
    EXPECT_TRUE(found) << name << " missing from " << b;
  }
  return worst;
}

// The file with its `seconds` column (the last of metrics.csv) cut: wall times differ per run.
std::string without_seconds(const fs::path& metrics) {
  std::istringstream in(slurp(metrics));
  std::string line, out;
  while (std::getline(in, line)) out += line.substr(0, line.rfind(',')) + "\n";
  return out;
}

TEST(MpiCli, TwoRanksEndWithTheWeightsOfOneProcessAtTwiceTheBatch) {
  SKIP_WITHOUT_MPI();
  TempDir tmp;
  write_csv(tmp.file("d.csv"));
  const std::string common = kCsv + " model.norm=none model.dropout=0 train.epochs=2";
  Outcome two = mpi_keel(2, "train --run-dir two --set train.batch_size=16" + common, tmp);
  ASSERT_EQ(two.code, 0) << two.out << two.err;
  // Rank 0 alone prints: one announcement, naming the ranks and the global batch.
  EXPECT_NE(two.out.find("data-parallel on 2 ranks (global batch 2 x 16)"), std::string::npos) << two.out;
  EXPECT_EQ(two.out.find("training two"), two.out.rfind("training two")) << two.out;
  Outcome one = keel("train --run-dir one --set train.batch_size=32" + common, tmp);
  ASSERT_EQ(one.code, 0) << one.err;
  EXPECT_LT(max_difference(tmp.path() / "two" / "last.safetensors", tmp.path() / "one" / "last.safetensors"),
            1e-5);
  // The training metrics are over all ranks' samples: the same as one process's.
  std::istringstream a(without_seconds(tmp.path() / "two" / "metrics.csv")),
      b(without_seconds(tmp.path() / "one" / "metrics.csv"));
  std::string la, lb;
  while (std::getline(a, la) && std::getline(b, lb)) {
    std::stringstream ca(la), cb(lb);
    std::string xa, xb;
    while (std::getline(ca, xa, ',') && std::getline(cb, xb, ',')) {
      if (xa == xb) continue;
      EXPECT_NEAR(std::stod(xa), std::stod(xb), 1e-5) << la << " vs " << lb;
    }
  }
}

// SyncBatchNorm normalizes over the global batch: 2 ranks at 16 are one process at 32 (where
// it is BatchNorm), running statistics included.
TEST(MpiCli, TwoRanksWithSyncBatchNormMatchOneProcess) {
  SKIP_WITHOUT_MPI();
  TempDir tmp;
  write_csv(tmp.file("d.csv"));
  const std::string common = kCsv + " model.norm=sync_batch model.dropout=0 train.epochs=2";
  Outcome two = mpi_keel(2, "train --run-dir two --set train.batch_size=16" + common, tmp);
  ASSERT_EQ(two.code, 0) << two.out << two.err;
  ASSERT_EQ(keel("train --run-dir one --set train.batch_size=32" + common, tmp).code, 0);
  EXPECT_LT(max_difference(tmp.path() / "two" / "last.safetensors", tmp.path() / "one" / "last.safetensors"),
            1e-5);
  // Plain BatchNorm normalizes each rank's half alone: not the 1-process run.
  Outcome local = mpi_keel(2,
                           "train --run-dir local --set train.batch_size=16" + kCsv +
                               " model.norm=batch model.dropout=0 train.epochs=2",
                           tmp);
  ASSERT_EQ(local.code, 0) << local.err;
  EXPECT_GT(
      max_difference(tmp.path() / "local" / "last.safetensors", tmp.path() / "one" / "last.safetensors"),
      1e-4);
}

// Under compare each variant trains alone on its rank, also with SyncBatchNorm (which must not
// wait for the other rank, busy with another variant).
TEST(MpiCli, CompareWithSyncBatchNormTrainsEachVariantAlone) {
  SKIP_WITHOUT_MPI();
  TempDir tmp;
  write_csv(tmp.file("d.csv"));
  testing::write_text(tmp.file("cmp.toml"),
                      "[model]\nhidden = [8]\nnorm = \"sync_batch\"\n[train]\nepochs = 1\nbatch_size = 16\n"
                      "threads = 1\n[data]\ndataset = \"csv\"\ncsv_train = \"d.csv\"\ncsv_test = \"d.csv\"\n"
                      "val_fraction = 0.2\n[[variant]]\nname = \"a\"\n[[variant]]\nname = \"b\"\n"
                      "train.epochs = 3\n");
  Outcome two = mpi_keel(2, "compare cmp.toml --set run.dir=two", tmp);
  ASSERT_EQ(two.code, 0) << two.out << two.err;
  Outcome one = keel("compare cmp.toml --set run.dir=one", tmp);
  ASSERT_EQ(one.code, 0) << one.err;
  for (const char* v : {"a", "b"})
    EXPECT_EQ(max_difference(tmp.path() / "one" / "cmp" / v / "last.safetensors",
                             tmp.path() / "two" / "cmp" / v / "last.safetensors"),
              0.0)
        << v;
}

TEST(MpiCli, TwoRanksMatchOneProcessForTheCnn) {
  SKIP_WITHOUT_MPI();
  if (!fs::exists(fs::path(data::kFashionMnistDir) / "train-labels-idx1-ubyte.gz"))
    GTEST_SKIP() << "Fashion-MNIST is not installed";
  TempDir tmp;
  // A small step (lr 0.01): the two runs' gradients differ in their last bits (a batch of 16
  // against the average of two of 8), and through the max-pools such a difference can move a
  // window's argmax between two nearly equal entries, a discrete change in the next gradient
  // that the step size scales. At the default lr 0.05 one such flip in the sanitizer build
  // (whose kernels round differently) left 1.5e-5 between the weights; at 0.01, 6e-8.
  const std::string common =
      " model.arch=cnn model.norm=none model.dropout=0 data.train_subset=128 data.val_fraction=0.01 "
      "data.test_subset=64 train.epochs=1 train.threads=1 optim.lr=0.01";
  ASSERT_EQ(mpi_keel(2, "train --run-dir two --set train.batch_size=8" + common, tmp).code, 0);
  ASSERT_EQ(keel("train --run-dir one --set train.batch_size=16" + common, tmp).code, 0);
  EXPECT_LT(max_difference(tmp.path() / "two" / "last.safetensors", tmp.path() / "one" / "last.safetensors"),
            1e-5);
}

TEST(MpiCli, ResumesBitExactlyOnTwoRanksAndRunsOnInOneProcess) {
  SKIP_WITHOUT_MPI();
  TempDir tmp;
  write_csv(tmp.file("d.csv"));
  // Dropout on: each rank's own dropout stream must continue where it stopped.
  const std::string common = kCsv + " model.dropout=0.3 train.batch_size=16";
  ASSERT_EQ(mpi_keel(2, "train --run-dir whole --set train.epochs=3" + common, tmp).code, 0);
  ASSERT_EQ(mpi_keel(2, "train --run-dir part --set train.epochs=1" + common, tmp).code, 0);
  fs::copy(tmp.path() / "part", tmp.path() / "part1", fs::copy_options::recursive);

  Outcome again = mpi_keel(2, "train --resume part --set train.epochs=3", tmp);
  ASSERT_EQ(again.code, 0) << again.out << again.err;
  EXPECT_EQ(
      max_difference(tmp.path() / "part" / "last.safetensors", tmp.path() / "whole" / "last.safetensors"),
      0.0);
  EXPECT_EQ(without_seconds(tmp.path() / "part" / "metrics.csv"),
            without_seconds(tmp.path() / "whole" / "metrics.csv"));

  // One process continues the 2-rank state (batch 16 per step from here on).
  Outcome alone = keel("train --resume part1 --set train.epochs=3", tmp);
  ASSERT_EQ(alone.code, 0) << alone.err;
  std::istringstream rows(slurp(tmp.path() / "part1" / "metrics.csv"));
  std::string line;
  int n = 0;
  while (std::getline(rows, line)) ++n;
  EXPECT_EQ(n, 4);  // header + 3 epochs
}

TEST(MpiCli, CompareOverTwoRanksWritesTheSameFiles) {
  SKIP_WITHOUT_MPI();
  TempDir tmp;
  write_csv(tmp.file("d.csv"));
  testing::write_text(
      tmp.file("cmp.toml"),
      "[model]\nhidden = [8]\ndropout = 0.0\n[train]\nepochs = 2\nbatch_size = 16\nthreads = 1\n"
      "[data]\ndataset = \"csv\"\ncsv_train = \"d.csv\"\ncsv_test = \"d.csv\"\n"
      "val_fraction = 0.2\n"
      "[[variant]]\nname = \"a\"\n[[variant]]\nname = \"b\"\nmodel.hidden = [4]\n"
      "[[variant]]\nname = \"c\"\noptim.lr = 0.3\n");
  Outcome one = keel("compare cmp.toml --set run.dir=one", tmp);
  ASSERT_EQ(one.code, 0) << one.err;
  Outcome two = mpi_keel(2, "compare cmp.toml --set run.dir=two", tmp);
  ASSERT_EQ(two.code, 0) << two.out << two.err;
  for (const char* v : {"a", "b", "c"}) {
    const fs::path a = tmp.path() / "one" / "cmp" / v, b = tmp.path() / "two" / "cmp" / v;
    EXPECT_EQ(without_seconds(a / "metrics.csv"), without_seconds(b / "metrics.csv")) << v;
    EXPECT_EQ(max_difference(a / "best.safetensors", b / "best.safetensors"), 0.0) << v;
  }
  std::vector<std::string> files_one, files_two;
  for (const auto& e : fs::recursive_directory_iterator(tmp.path() / "one"))
    files_one.push_back(fs::relative(e.path(), tmp.path() / "one").string());
  for (const auto& e : fs::recursive_directory_iterator(tmp.path() / "two"))
    files_two.push_back(fs::relative(e.path(), tmp.path() / "two").string());
  std::sort(files_one.begin(), files_one.end());
  std::sort(files_two.begin(), files_two.end());
  EXPECT_EQ(files_one, files_two);
  const std::string report = slurp(tmp.path() / "two" / "cmp" / "report.html");
  for (const char* v : {"a", "b", "c"})
    EXPECT_NE(report.find(std::string(">") + v + "<"), std::string::npos) << v;
  // The table lists every variant, also those trained on rank 1.
  EXPECT_NE(two.out.find("\nb "), std::string::npos) << two.out;
}

TEST(MpiCli, AFailingRankEndsTheJobNamingIt) {
  SKIP_WITHOUT_MPI();
  TempDir tmp;
  write_csv(tmp.file("d.csv"));
  // Rank 0 starts training (and waits in its first collective); rank 1 cannot read its data.
  const std::string args = " train --run-dir r --set train.epochs=50 train.batch_size=16" + kCsv;
  Outcome r = testing::run_command(std::string(kMpirun) + " -np 1 '" KEEL_CLI_PATH "'" + args + " : -np 1 '" +
                                       KEEL_CLI_PATH "'" + args + " data.csv_train=missing.csv",
                                   tmp);
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.code, 124) << "the job hung until timeout";
  EXPECT_NE(r.err.find("keel: error: rank 1: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("missing.csv"), std::string::npos) << r.err;
}

// Decisions that end the loop are taken together: a non-finite loss stops every rank at the
// same step (exit 1, rank 0 says why), and early stopping ends every rank after the same epoch.
TEST(MpiCli, EveryRankStopsTogether) {
  SKIP_WITHOUT_MPI();
  TempDir tmp;
  write_csv(tmp.file("d.csv"));
  Outcome diverged = mpi_keel(2,
                              "train --run-dir nf --set" + kCsv +
                                  " train.batch_size=16 train.epochs=3 optim.lr=1e6 "
                                  "model.norm=none model.dropout=0 train.clip_grad_norm=0",
                              tmp);
  EXPECT_EQ(diverged.code, 1) << diverged.out << diverged.err;
  EXPECT_EQ(diverged.err.rfind("keel: error: non-finite", 0), 0u) << diverged.err;
  EXPECT_EQ(diverged.err.find("non-finite", 20), std::string::npos)
      << "printed by one rank only: " << diverged.err;

  Outcome early = mpi_keel(2,
                           "train --run-dir es --set" + kCsv +
                               " train.batch_size=16 train.epochs=40 optim.lr=0.5 "
                               "train.early_stopping_patience=1",
                           tmp);
  EXPECT_EQ(early.code, 0) << early.out << early.err;
  EXPECT_NE(early.out.find("early stopping"), std::string::npos) << early.out;
}

// One rank alone meets a non-finite loss (one training row holds values near float's maximum,
// which overflow in the forward): the others, whose losses are finite, must stop at the same
// step (from the NaN that rank backpropagates) instead of waiting for it for ever.
TEST(MpiCli, ANonFiniteLossOnOneRankStopsEveryRank) {
  SKIP_WITHOUT_MPI();
  TempDir tmp;
  {
    std::ofstream f(tmp.file("d.csv"));
    f << "a,b,c,d,label\n";
    for (int i = 0; i < 64; ++i) {
      if (i == 37) {
        f << "3e38,3e38,3e38,3e38,1\n";
      } else {
        f << (i % 3) * 0.5 << "," << (i % 5) * 0.25 << "," << (i % 3) * -0.3 << "," << (i % 11) * 0.0625
          << "," << i % 3 << "\n";
      }
    }
  }
  Outcome r =
      mpi_keel(2,
               "train --run-dir nf --set data.dataset=csv data.csv_train=d.csv data.csv_test=d.csv "
               "data.val_fraction=0 model.hidden=64,64 model.norm=none model.dropout=0 train.threads=1 "
               "train.batch_size=8 train.epochs=2 data.normalize=none",
               tmp);
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_EQ(r.err.rfind("keel: error: non-finite", 0), 0u) << r.err;
  EXPECT_EQ(r.err.find("keel: error", 5), std::string::npos) << "printed by one rank only: " << r.err;
}

TEST(MpiCli, OnlyTrainAndCompareRunOnSeveralRanks) {
  SKIP_WITHOUT_MPI();
  TempDir tmp;
  Outcome r = mpi_keel(2, "inspect", tmp);
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("`keel inspect` runs in one process: start it without mpirun"), std::string::npos)
      << r.err;
}

TEST(MpiCli, AKilledRankEndsTheJob) {
  SKIP_WITHOUT_MPI();
  TempDir tmp;
  write_csv(tmp.file("d.csv"));
  // Rank 1 is killed (SIGKILL) a moment into a long run; rank 0 must not wait for it for ever.
  // The killer runs beside the rank's process: `exec` makes keel the process mpirun started.
  testing::write_text(
      tmp.file("rank.sh"),
      "if [ \"$OMPI_COMM_WORLD_RANK\" = 1 ]; then (sleep 3; kill -9 $$) & fi\nexec '" KEEL_CLI_PATH
      "' train --run-dir r --set train.epochs=1000000 train.batch_size=16" +
          kCsv + "\n");
  Outcome r = testing::run_command(std::string(kMpirun) + " -np 2 sh rank.sh", tmp);
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.code, 124) << "the job hung until timeout";
}

}  // namespace
}  // namespace keel
