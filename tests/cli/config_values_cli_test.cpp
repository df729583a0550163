// No config value makes `keel` crash or allocate what the machine does not have: hostile sizes,
// a directory passed as the config and mistyped values end in one `keel: error:` line naming
// the key; PyTorch-style checkpoints evaluate, and mismatched ones are explained.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "io/temp_dir.h"
#include "keel/io/checkpoint.h"
#include "keel/nn/activation.h"
#include "keel/nn/container.h"
#include "keel/nn/linear.h"
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

// A tiny CSV data set: 4 features, 3 classes, every class present.
void write_csv(const std::string& path, int rows) {
  std::ofstream f(path);
  f << "a,b,c,d,label\n";
  for (int i = 0; i < rows; ++i)
    f << (i % 7) * 0.125 << "," << (i % 5) * 0.25 << "," << (i % 3) * 0.5 << "," << (i % 11) * 0.0625 << ","
      << i % 3 << "\n";
}

const char* kCsv = "data.dataset=csv data.csv_train=train.csv data.csv_test=test.csv train.threads=2";

void expect_one_error_line(const Outcome& r, const std::string& part) {
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_EQ(r.err.rfind("keel: error: ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find(part), std::string::npos) << "'" << part << "' not in: " << r.err;
}

TEST(ConfigValuesCli, HugeWidthsAreRefusedNamingTheKey) {
  TempDir tmp;
  for (const char* v : {"4611686018427387904", "1000000000", "9223372036854775807", "-5"}) {
    Outcome r = keel(std::string("train --set model.hidden=") + v, tmp);
    expect_one_error_line(r, "model.hidden");
    EXPECT_FALSE(fs::exists(tmp.path() / "runs")) << v;
  }
  expect_one_error_line(keel("train --set train.batch_size=4611686018427387904", tmp), "train.batch_size");
}

TEST(ConfigValuesCli, AModelTheMachineCannotHoldIsRefusedBeforeAllocating) {
  TempDir tmp;
  write_csv(tmp.file("train.csv"), 30);
  write_csv(tmp.file("test.csv"), 9);
  // 10^12 weights (4 TB, 12 TB with gradients and momentum): beyond any test machine.
  Outcome r = keel(std::string("train --set ") + kCsv + " model.hidden=1000000,1000000", tmp);
  expect_one_error_line(r, "not enough memory: model.hidden = [1000000, 1000000]");
  EXPECT_NE(r.err.find("available"), std::string::npos) << r.err;
  // eval counts before it builds the model, too.
  std::ofstream(tmp.file("x.safetensors")) << "not read";
  std::ofstream(tmp.file("m.toml")) << "[model]\nhidden = [1000000, 1000000]\n";
  r = keel(std::string("eval x.safetensors --config m.toml --set ") + kCsv, tmp);
  expect_one_error_line(r, "not enough memory");
}

TEST(ConfigValuesCli, ADirectoryIsNoConfig) {
  TempDir tmp;
  fs::create_directory(tmp.path() / "x.toml");
  for (const char* cmd : {"train x.toml", "inspect x.toml"}) {
    Outcome r = keel(cmd, tmp);
    expect_one_error_line(r, "'x.toml' is not a regular file (a directory)");
  }
  EXPECT_FALSE(fs::exists(tmp.path() / "runs"));
}

TEST(ConfigValuesCli, MistypedValuesNameKeyLineAndType) {
  TempDir tmp;
  std::ofstream(tmp.file("a.toml")) << "[train]\nepochs = \"1\"\n";
  expect_one_error_line(keel("train a.toml", tmp), "a.toml:2: train.epochs must be an integer, got a string");
  std::ofstream(tmp.file("b.toml")) << "[model]\n\nhidden = 512\n";
  expect_one_error_line(keel("train b.toml", tmp), "b.toml:3: model.hidden must be a list of integers");
  expect_one_error_line(keel("train --set train.epochs=1.5", tmp), "train.epochs");
}

TEST(ConfigValuesCli, HelpConfigDocumentsBoundsAndNormalize) {
  TempDir tmp;
  Outcome r = keel("train --help-config", tmp);
  EXPECT_EQ(r.code, 0);
  for (const char* part : {"data.normalize = \"dataset\"", "[mean, std]", "model.hidden = [512, 256]",
                           "each in [1, 1000000]", "data.val_fraction = 0.1\n", "model.init_value = 0.05\n"})
    EXPECT_NE(r.out.find(part), std::string::npos) << part;
  // 17-digit renderings such as 0.10000000000000001 or 0.29999999999999999 are gone.
  EXPECT_EQ(r.out.find("00000001"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("99999999"), std::string::npos) << r.out;
}

// What a PyTorch user saves: Linear, ReLU, Linear on flat inputs (keys 0.* and 2.*).
void save_torch_style(const std::string& path, std::int64_t hidden) {
  nn::Sequential seq{std::make_shared<nn::Linear>(4, hidden), std::make_shared<nn::ReLU>(),
                     std::make_shared<nn::Linear>(hidden, 3)};
  io::save_checkpoint(path, seq);
}

TEST(ConfigValuesCli, EvalTakesAPytorchStateDictWithoutFlatten) {
  TempDir tmp;
  write_csv(tmp.file("train.csv"), 30);
  write_csv(tmp.file("test.csv"), 9);
  save_torch_style(tmp.file("torch.safetensors"), 6);
  std::ofstream(tmp.file("m.toml")) << "[model]\nhidden = [6]\nnorm = \"none\"\ndropout = 0.0\n"
                                    << "[data]\nnormalize = \"none\"\n";
  Outcome r = keel(std::string("eval torch.safetensors --config m.toml --set ") + kCsv, tmp);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("9 images"), std::string::npos) << r.out;
  // A different width: both sides and the config that would match.
  std::ofstream(tmp.file("m.toml")) << "[model]\nhidden = [5]\nnorm = \"batch\"\n";
  r = keel(std::string("eval torch.safetensors --config m.toml --set ") + kCsv, tmp);
  expect_one_error_line(r, "do not match the configured model");
  for (const char* part : {"expected (the configured model)", "found (the file)", "0.weight [6, 4]",
                           "1.weight [5, 4]", "model.hidden=6 model.norm=none (4 input features, 3 classes)"})
    EXPECT_NE(r.err.find(part), std::string::npos) << part << " not in: " << r.err;
}

TEST(ConfigValuesCli, TheRunStoresItsNormalization) {
  TempDir tmp;
  write_csv(tmp.file("train.csv"), 30);
  write_csv(tmp.file("test.csv"), 9);
  Outcome r = keel(std::string("train --set ") + kCsv +
                       " run.name=n model.hidden=4 train.epochs=1 train.batch_size=8 data.normalize=0.5,0.25",
                   tmp);
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string config = slurp(tmp.path() / "runs" / "n" / "config.toml");
  EXPECT_NE(config.find("normalize = [0.5, 0.25]\n"), std::string::npos) << config;
  EXPECT_NE(config.find("val_fraction = 0.1\n"), std::string::npos) << config;
  EXPECT_EQ(keel("eval runs/n --set train.threads=2", tmp).code, 0);
}

}  // namespace
}  // namespace keel
