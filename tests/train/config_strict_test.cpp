// A config means exactly what it says or is refused: TOML values of another type than the
// key's, config paths that are no regular file, sizes beyond the documented bounds, and numbers
// printed in the shortest form that reads back the same.
#include <gtest/gtest.h>
#include <keel/core/error.h>
#include <keel/train/config.h>
#include <keel/train/run_data.h>

#include <filesystem>
#include <fstream>

#include "support/errors.h"
#include "train_test_util.h"

using keel::testing::error_of;
using keel::train::Config;

namespace {

void expect_has(const std::string& text, const std::string& part) {
  EXPECT_NE(text.find(part), std::string::npos) << "'" << part << "' not in: " << text;
}

TEST(ConfigStrict, AStringIsNotAnInteger) {
  std::string m = error_of([] { Config::from_toml_string("[train]\nseed = 3\nepochs = \"1\"\n", "x.toml"); });
  expect_has(m, "x.toml:3");
  expect_has(m, "train.epochs");
  expect_has(m, "must be an integer, got a string");
}

TEST(ConfigStrict, AScalarIsNotAList) {
  std::string m = error_of([] { Config::from_toml_string("[model]\nhidden = 512\n", "x.toml"); });
  expect_has(m, "x.toml:2");
  expect_has(m, "model.hidden must be a list of integers, got an integer");
  m = error_of([] { Config::from_toml_string("[model]\nhidden = [512, 25.6]\n", "x.toml"); });
  expect_has(m, "got a list holding a float");
}

TEST(ConfigStrict, EveryKindChecksItsTomlType) {
  for (const char* text : {"[train]\nepochs = 2.0\n", "[data]\naugment = 1\n", "[model]\nnorm = 1\n",
                           "[optim]\nlr = \"0.1\"\n", "[optim]\nlr = true\n", "[data]\nnormalize = 0.5\n",
                           "[data]\nnormalize = [\"a\", \"b\"]\n", "[data]\nnormalize = \"0.5, 0.5\"\n"}) {
    std::string m = error_of([&] { Config::from_toml_string(text, "t.toml"); });
    expect_has(m, "t.toml:2");
    expect_has(m, " must be ");
  }
  // An integer is a fine value for a number.
  EXPECT_EQ(Config::from_toml_string("[optim]\nlr = 1\n").get_double("optim.lr"), 1.0);
}

TEST(ConfigStrict, VariantsCheckTypesToo) {
  std::string m = error_of(
      [] { Config::from_toml_string("[[variant]]\nname = \"a\"\ntrain.epochs = \"3\"\n", "v.toml"); });
  expect_has(m, "v.toml:3");
  expect_has(m, "train.epochs must be an integer");
}

TEST(ConfigStrict, SetValuesAreReadWhole) {
  Config c;
  for (const char* bad : {"train.epochs=\"1\"", "train.epochs=0x10", "train.epochs=1e3", "train.epochs=1.0",
                          "optim.lr=nan", "model.init_value=inf", "model.hidden=64,abc", "model.hidden=1.5",
                          "train.seed=99999999999999999999"}) {
    std::string m = error_of([&] { c.set(bad); });
    expect_has(m, bad);
  }
  // A --set list may have one entry.
  c.set("model.hidden=64");
  EXPECT_EQ(c.get_ints("model.hidden"), std::vector<std::int64_t>{64});
  c.set("train.seed=9007199254740993");  // beyond a double's integers: read exactly
  EXPECT_EQ(c.get_int("train.seed"), 9007199254740993);
}

TEST(ConfigStrict, AConfigPathMustBeARegularFile) {
  keel::testing::ScratchDir dir;
  const auto d = dir.path() / "x.toml";
  std::filesystem::create_directory(d);
  std::string m = error_of([&] { Config::from_toml_file(d.string()); });
  expect_has(m, "x.toml");
  expect_has(m, "not a regular file");
  m = error_of([&] { Config::from_toml_file((dir.path() / "missing.toml").string()); });
  expect_has(m, "does not exist");
}

TEST(ConfigStrict, SizesAboveTheBoundsNameTheKey) {
  Config c;
  for (const char* bad :
       {"model.hidden=4611686018427387904", "model.hidden=512,1000001", "train.batch_size=1000001",
        "train.eval_batch_size=4611686018427387904", "model.groups=4611686018427387904"}) {
    std::string m = error_of([&] { c.set(bad); });
    expect_has(m, std::string(bad).substr(0, std::string(bad).find('=')));
    expect_has(m, "must be in [1, 1000000]");
  }
  std::string many = "model.hidden=1";
  for (int i = 0; i < 64; ++i) many += ",1";
  expect_has(error_of([&] { c.set(many); }), "at most 64");
  const std::string help = Config::describe();
  expect_has(help, "model.hidden = [512, 256]");
  expect_has(help, "each in [1, 1000000]");
  expect_has(help, "train.batch_size = 128");
}

TEST(ConfigStrict, NumbersPrintInTheShortestForm) {
  Config c;
  c.set("data.val_fraction=0.1");
  c.set("optim.lr=0.3");
  c.set("optim.weight_decay=1e-7");
  const std::string toml = c.to_toml();
  expect_has(toml, "val_fraction = 0.1\n");
  expect_has(toml, "lr = 0.3\n");
  expect_has(toml, "weight_decay = 1e-07\n");
  EXPECT_EQ(toml.find("00000001"), std::string::npos) << toml;
  EXPECT_EQ(toml.find("99999999"), std::string::npos) << toml;
  const std::string help = Config::describe();
  expect_has(help, "data.val_fraction = 0.1\n");
  EXPECT_EQ(help.find("00000001"), std::string::npos) << help;
  // The written form reads back the same.
  Config back = Config::from_toml_string(toml);
  EXPECT_EQ(back.get_double("optim.lr"), 0.3);
  EXPECT_EQ(back.get_double("optim.weight_decay"), 1e-7);
  std::string m = error_of([&] { c.set("optim.lr=0"); });
  expect_has(m, "must be in [1e-12, 1e+06]");
}

TEST(ConfigStrict, NormalizeTakesANameOrMeanAndStd) {
  Config c;
  EXPECT_EQ(keel::train::input_normalization(c).mean, keel::train::kFashionMnistMean);
  c.set("data.normalize=none");
  EXPECT_TRUE(keel::train::input_normalization(c).identity());
  c.set("data.normalize=[0.5, 0.25]");
  EXPECT_EQ(keel::train::input_normalization(c).mean, 0.5);
  EXPECT_EQ(keel::train::input_normalization(c).std, 0.25);
  expect_has(c.to_toml(), "normalize = [0.5, 0.25]\n");
  Config back = Config::from_toml_string(c.to_toml());
  EXPECT_EQ(keel::train::input_normalization(back).std, 0.25);
  Config t = Config::from_toml_string("[data]\nnormalize = \"none\"\n");
  EXPECT_TRUE(keel::train::input_normalization(t).identity());
  t = Config::from_toml_string("[data]\ndataset = \"csv\"\n");  // CSV values are used as read
  EXPECT_TRUE(keel::train::input_normalization(t).identity());
  for (const char* bad :
       {"data.normalize=0.5", "data.normalize=0.5,0", "data.normalize=0.5,-1", "data.normalize=mean",
        "data.normalize=1,2,3", "data.normalize=0,1e-300", "data.normalize=1e300,1"})
    expect_has(error_of([&] { c.set(bad); }), "data.normalize");
}

}  // namespace
