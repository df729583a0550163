// `keel train` into a directory that already holds a run: refused unless --overwrite.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "io/temp_dir.h"
#include "keel/data/mnist.h"
#include "keel/io/checkpoint.h"
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

const char* kTiny =
    "--set data.train_subset=128 data.val_fraction=0.01 data.test_subset=100 model.hidden=16 train.epochs=1 "
    "train.batch_size=64 train.threads=2";

TEST(RunDirCliTest, TrainingOverAnExistingRunNeedsOverwrite) {
  if (!fs::exists(fs::path(data::kFashionMnistDir) / "train-labels-idx1-ubyte.gz"))
    GTEST_SKIP() << "Fashion-MNIST is not installed";
  TempDir tmp;
  ASSERT_EQ(keel(std::string("train --run-dir run ") + kTiny, tmp).code, 0);
  const std::string metrics = slurp(tmp.path() / "run" / "metrics.csv");

  Outcome again = keel(std::string("train --run-dir run ") + kTiny, tmp);
  EXPECT_EQ(again.code, 1);
  EXPECT_EQ(again.err.rfind("keel: error: ", 0), 0u) << again.err;
  EXPECT_NE(again.err.find("--resume"), std::string::npos) << again.err;
  EXPECT_NE(again.err.find("--overwrite"), std::string::npos) << again.err;
  EXPECT_EQ(slurp(tmp.path() / "run" / "metrics.csv"), metrics);

  Outcome both = keel("train --resume run --overwrite", tmp);
  EXPECT_EQ(both.code, 1);
  EXPECT_NE(both.err.find("choose one"), std::string::npos) << both.err;

  Outcome over = keel(std::string("train --run-dir run --overwrite ") + kTiny, tmp);
  EXPECT_EQ(over.code, 0) << over.err;
  // One line per epoch off a terminal, with the elapsed time and the ETA.
  EXPECT_NE(over.out.find("elapsed "), std::string::npos) << over.out;
}

// `keel eval` refuses weights with a NaN, naming the tensor (the checksum is kept valid, so it
// is the finiteness check that speaks).
TEST(RunDirCliTest, EvalRefusesNonFiniteWeights) {
  if (!fs::exists(fs::path(data::kFashionMnistDir) / "train-labels-idx1-ubyte.gz"))
    GTEST_SKIP() << "Fashion-MNIST is not installed";
  TempDir tmp;
  ASSERT_EQ(keel(std::string("train --run-dir run ") + kTiny, tmp).code, 0);
  const std::string best = (tmp.path() / "run" / "best.safetensors").string();
  io::SafetensorsContents f = io::load_safetensors(best);
  std::string poisoned;
  for (auto& [name, t] : f.tensors)
    if (poisoned.empty() && t.dtype() == kFloat32) {
      poisoned = name;
      t = t.clone();
      t.data_ptr<float>()[0] = NAN;
    }
  f.metadata[io::kChecksumKey] = io::data_checksum(f.tensors);
  io::save_safetensors(best, f.tensors, f.metadata);
  Outcome r = keel("eval run", tmp);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("'" + poisoned + "'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("non-finite"), std::string::npos) << r.err;
}

// `keel eval` verifies the checksum of keel's own checkpoints: a flipped bit in a weight is
// refused, not evaluated.
TEST(RunDirCliTest, EvalRefusesADamagedCheckpoint) {
  if (!fs::exists(fs::path(data::kFashionMnistDir) / "train-labels-idx1-ubyte.gz"))
    GTEST_SKIP() << "Fashion-MNIST is not installed";
  TempDir tmp;
  ASSERT_EQ(keel(std::string("train --run-dir run ") + kTiny, tmp).code, 0);
  const fs::path best = tmp.path() / "run" / "best.safetensors";
  std::string bytes;
  {
    std::ifstream in(best, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  ASSERT_GT(bytes.size(), 64u);
  bytes[bytes.size() - 3] ^= 0x10;  // a bit of the last tensor's data
  {
    std::ofstream out(best, std::ios::binary | std::ios::trunc);
    out << bytes;
  }
  Outcome r =
      keel("eval " + best.string() + " --config " + (tmp.path() / "run" / "config.toml").string(), tmp);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("checksum"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace keel
