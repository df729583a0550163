#include <gtest/gtest.h>
#include <keel/core/error.h>
#include <keel/train/config.h>

#include "support/errors.h"

using keel::testing::error_of;

using keel::Error;
using keel::train::Config;

TEST(Config, DefaultsAreTheDefaultMlpRun) {
  Config c;
  EXPECT_EQ(c.get_string("model.arch"), "mlp");
  EXPECT_EQ(c.get_ints("model.hidden"), (std::vector<std::int64_t>{512, 256}));
  EXPECT_EQ(c.get_string("model.norm"), "batch");
  EXPECT_EQ(c.get_string("optim.name"), "sgd");
  EXPECT_GT(c.get_double("optim.momentum"), 0.0);
  EXPECT_GT(c.get_double("train.clip_grad_norm"), 0.0);
}

TEST(Config, TomlAndOverrides) {
  Config c = Config::from_toml_string(
      "[model]\narch = \"cnn\"\nhidden = [64, 32]\ndropout = 0.5\n[optim]\nlr = 0.1\nnesterov = true\n"
      "[train]\nepochs = 3\n");
  EXPECT_EQ(c.get_string("model.arch"), "cnn");
  EXPECT_EQ(c.get_ints("model.hidden"), (std::vector<std::int64_t>{64, 32}));
  EXPECT_DOUBLE_EQ(c.get_double("model.dropout"), 0.5);
  EXPECT_TRUE(c.get_bool("optim.nesterov"));
  EXPECT_EQ(c.get_int("train.epochs"), 3);
  c.set("optim.lr=0.01");
  c.set("model.hidden=128,64,32");
  EXPECT_DOUBLE_EQ(c.get_double("optim.lr"), 0.01);
  EXPECT_EQ(c.get_ints("model.hidden").size(), 3u);
  // The resolved config reads back to the same values.
  Config again = Config::from_toml_string(c.to_toml());
  EXPECT_EQ(again.to_toml(), c.to_toml());
}

TEST(Config, UnknownKeysNameTheLineAndTheNearestKey) {
  std::string m =
      error_of([] { Config::from_toml_string("[optim]\nlr = 0.1\nmomentun = 0.9\n", "my.toml"); });
  EXPECT_NE(m.find("my.toml:3"), std::string::npos) << m;
  EXPECT_NE(m.find("optim.momentun"), std::string::npos) << m;
  EXPECT_NE(m.find("did you mean 'optim.momentum'"), std::string::npos) << m;
  m = error_of([] {
    Config c;
    c.set("lr=0.1");
  });
  EXPECT_NE(m.find("did you mean 'optim.lr'"), std::string::npos) << m;
}

TEST(Config, InvalidValuesAreErrors) {
  Config c;
  EXPECT_NE(error_of([&] { c.set("optim.lr=0"); }).find("optim.lr"), std::string::npos);
  EXPECT_NE(error_of([&] { c.set("optim.lr=-1"); }).find("must be in"), std::string::npos);
  EXPECT_NE(error_of([&] { c.set("model.dropout=1.5"); }).find("model.dropout"), std::string::npos);
  EXPECT_NE(error_of([&] { c.set("train.batch_size=0"); }).find("train.batch_size"), std::string::npos);
  EXPECT_NE(error_of([&] { c.set("train.epochs=2.5"); }).find("integer"), std::string::npos);
  EXPECT_NE(error_of([&] { c.set("model.norm=weird"); }).find("expected one of"), std::string::npos);
  EXPECT_NE(error_of([&] { c.set("nonsense"); }).find("key=value"), std::string::npos);
  std::string m = error_of([] { Config::from_toml_string("[optim]\nlr = \"fast\"\n", "x.toml"); });
  EXPECT_NE(m.find("x.toml:2"), std::string::npos) << m;
  m = error_of([] { Config::from_toml_string("[optim\nlr = 1\n", "y.toml"); });
  EXPECT_NE(m.find("malformed TOML"), std::string::npos) << m;
}

TEST(Config, CompareVariants) {
  Config c = Config::from_toml_string(
      "[data]\ntrain_subset = 1000\n"
      "[[variant]]\nname = \"none\"\n"
      "[[variant]]\nname = \"l1\"\nreg.penalty = \"l1\"\nreg.lambda = 0.001\n");
  ASSERT_EQ(c.variants().size(), 2u);
  EXPECT_EQ(c.variants()[1].name, "l1");
  EXPECT_EQ(c.variants()[1].overrides.size(), 2u);
  std::string m = error_of(
      [] { Config::from_toml_string("[[variant]]\nname = \"x\"\nreg.penalti = \"l1\"\n", "v.toml"); });
  EXPECT_NE(m.find("v.toml:3"), std::string::npos) << m;
  EXPECT_NE(error_of([] { Config::from_toml_string("[[variant]]\nreg.penalty = \"l1\"\n"); }).find("name"),
            std::string::npos);
}
