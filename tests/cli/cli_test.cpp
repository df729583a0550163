// Runs the `keel` executable as a user would and checks exit codes and messages.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "io/temp_dir.h"
#include "keel/data/mnist.h"
#include "support/cli_runner.h"
#include "support/fashion_mnist.h"

#ifndef KEEL_CLI_PATH
#error "KEEL_CLI_PATH must name the keel executable"
#endif

namespace keel {
namespace {

namespace fs = std::filesystem;
using testing::have_fashion_mnist;
using testing::keel;
using testing::Outcome;
using testing::slurp;
using testing::TempDir;

// A run of two short epochs on 256 images.
const char* kTiny =
    "--set data.train_subset=256 data.val_fraction=0.01 data.test_subset=500 model.hidden=32 train.epochs=2 "
    "train.batch_size=64 train.threads=2";

TEST(CliTest, HelpForEveryCommand) {
  TempDir tmp;
  Outcome r = keel("--help", tmp);
  EXPECT_EQ(r.code, 0);
  for (const char* cmd : {"train", "compare", "eval", "inspect"}) {
    EXPECT_NE(r.out.find(cmd), std::string::npos) << r.out;
    Outcome c = keel(std::string(cmd) + " --help", tmp);
    EXPECT_EQ(c.code, 0) << cmd;
    EXPECT_NE(c.out.find("--set"), std::string::npos) << cmd << ": " << c.out;
  }
  Outcome hc = keel("train --help-config", tmp);
  EXPECT_EQ(hc.code, 0);
  EXPECT_NE(hc.out.find("optim.lr"), std::string::npos);
}

TEST(CliTest, UsageErrorsExitWithTwo) {
  TempDir tmp;
  Outcome r = keel("train --bogus", tmp);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("keel: error:"), std::string::npos) << r.err;
  EXPECT_EQ(keel("", tmp).code, 2);
  EXPECT_EQ(keel("fly", tmp).code, 2);
}

TEST(CliTest, UnknownKeySuggestsTheNearestOne) {
  TempDir tmp;
  Outcome r = keel("train --set optim.lrr=0.1", tmp);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("keel: error:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("'optim.lr'"), std::string::npos) << r.err;

  testing::write_text(tmp.file("bad.toml"), "[optim]\nlr = 0.1\nmomentun = 0.9\n");
  Outcome f = keel("train bad.toml", tmp);
  EXPECT_EQ(f.code, 1);
  EXPECT_NE(f.err.find("bad.toml:3"), std::string::npos) << f.err;
  EXPECT_NE(f.err.find("optim.momentum"), std::string::npos) << f.err;
  EXPECT_FALSE(fs::exists(tmp.path() / "runs")) << "nothing may be written for a bad config";
}

TEST(CliTest, InvalidValuesAreOneLineErrors) {
  TempDir tmp;
  for (const char* set : {"optim.lr=-1", "model.dropout=1.5", "train.batch_size=0", "train.epochs=many"}) {
    Outcome r = keel(std::string("train --set ") + set, tmp);
    EXPECT_EQ(r.code, 1) << set;
    EXPECT_EQ(r.err.rfind("keel: error:", 0), 0u) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
  Outcome missing = keel("train no-such-file.toml", tmp);
  EXPECT_EQ(missing.code, 1);
  EXPECT_NE(missing.err.find("no-such-file.toml"), std::string::npos);
}

TEST(CliTest, MissingDataSetNamesTheAptGetCommand) {
  TempDir tmp;
  Outcome r = keel("train --set data.dir=" + tmp.file("empty"), tmp);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("apt-get install dataset-fashion-mnist"), std::string::npos) << r.err;
}

TEST(CliTest, UnwritableRunDirectory) {
  TempDir tmp;
  Outcome r = keel("train --run-dir /proc/keel-no-such-dir", tmp);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("run directory"), std::string::npos) << r.err;
}

TEST(CliTest, TrainEvalInspect) {
  if (!have_fashion_mnist()) GTEST_SKIP() << "Fashion-MNIST is not installed";
  TempDir tmp;
  Outcome t = keel(std::string("train ") + kTiny, tmp);
  ASSERT_EQ(t.code, 0) << t.err;
  EXPECT_NE(t.out.find("epoch 2/2"), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("test accuracy"), std::string::npos) << t.out;
  const fs::path run = tmp.path() / "runs" / "default";
  EXPECT_TRUE(fs::exists(run / "best.safetensors"));

  Outcome e = keel("eval runs/default", tmp);
  ASSERT_EQ(e.code, 0) << e.err;
  EXPECT_NE(e.out.find("test accuracy"), std::string::npos);
  EXPECT_NE(e.out.find("Ankle boot"), std::string::npos) << e.out;
  EXPECT_NE(e.out.find("confusion matrix"), std::string::npos);

  Outcome bare = keel("eval runs/default/best.safetensors", tmp);
  EXPECT_EQ(bare.code, 1);
  EXPECT_NE(bare.err.find("--config"), std::string::npos) << bare.err;
  Outcome with_config = keel("eval runs/default/best.safetensors --config runs/default/config.toml", tmp);
  EXPECT_EQ(with_config.code, 0) << with_config.err;

  Outcome i = keel("inspect --run runs/default", tmp);
  ASSERT_EQ(i.code, 0) << i.err;
  EXPECT_NE(i.out.find("Linear"), std::string::npos) << i.out;
  EXPECT_NE(i.out.find("ReLU"), std::string::npos) << i.out;
  EXPECT_NE(i.out.find("dead"), std::string::npos) << i.out;
}

TEST(CliTest, NonFiniteLossExitsNonZero) {
  if (!have_fashion_mnist()) GTEST_SKIP() << "Fashion-MNIST is not installed";
  TempDir tmp;
  Outcome r = keel(
      std::string("train ") + kTiny + " optim.lr=1e6 model.norm=none model.dropout=0 train.clip_grad_norm=0",
      tmp);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("non-finite"), std::string::npos) << r.err;
}

// A real SIGINT once the first epoch is done: exit 130, a resumable state, and --resume
// finishes the run.
TEST(CliTest, CtrlCStopsWithAResumableState) {
  if (!have_fashion_mnist()) GTEST_SKIP() << "Fashion-MNIST is not installed";
  TempDir tmp;
  const std::string script =
      "'" KEEL_CLI_PATH
      "' train --run-dir run --set data.train_subset=2000 data.val_fraction=0.01 "
      "data.test_subset=200 model.hidden=32 train.epochs=1000 train.batch_size=20 train.threads=2 "
      ">out.txt 2>err.txt & pid=$!; "
      "for i in $(seq 1 600); do grep -q '^epoch 1/' out.txt 2>/dev/null && break; sleep 0.05; done; "
      "kill -INT $pid; wait $pid; echo $? >code.txt";
  testing::write_text(tmp.file("ctrl_c.sh"), script);
  ASSERT_EQ(std::system(("cd '" + tmp.path().string() + "' && bash ctrl_c.sh").c_str()), 0);
  EXPECT_EQ(slurp(tmp.path() / "code.txt"), "130\n") << slurp(tmp.path() / "err.txt");
  const std::string err = slurp(tmp.path() / "err.txt");
  EXPECT_NE(err.find("keel train --resume run"), std::string::npos) << err;
  EXPECT_TRUE(fs::exists(tmp.path() / "run" / "training_state.safetensors"));
  // The epochs finished before the signal depend on the machine's load: extend the run by two
  // epochs past them (a resume may not shrink a run below the epochs it has begun).
  std::istringstream rows(slurp(tmp.path() / "run" / "metrics.csv"));
  std::int64_t done = -1;  // the header line is not an epoch
  for (std::string line; std::getline(rows, line);) done += line.empty() ? 0 : 1;
  Outcome r = keel("train --resume run --set train.epochs=" + std::to_string(done + 2), tmp);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("resuming run"), std::string::npos) << r.out;
}

TEST(CliTest, CompareWritesAReport) {
  if (!have_fashion_mnist()) GTEST_SKIP() << "Fashion-MNIST is not installed";
  TempDir tmp;
  testing::write_text(tmp.file("cmp.toml"),
                      "[data]\ntrain_subset = 256\nval_fraction = 0.01\ntest_subset = 200\n"
                      "[model]\nhidden = [32]\n[train]\nepochs = 2\nbatch_size = 64\nthreads = 2\n"
                      "[[variant]]\nname = \"none\"\n"
                      "[[variant]]\nname = \"l1\"\nreg.penalty = \"l1\"\nreg.lambda = 1e-3\n");
  Outcome r = keel("compare cmp.toml", tmp);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(fs::exists(tmp.path() / "runs" / "cmp" / "report.html"));
  EXPECT_TRUE(fs::exists(tmp.path() / "runs" / "cmp" / "l1" / "metrics.csv"));
  EXPECT_NE(r.out.find("near-0 w"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace keel
