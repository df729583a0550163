// The tuned training configs (configs/mlp.toml, cnn.toml, fast.toml) stay valid as keel changes:
// each reads, builds its model
// and states in its header what it measured. fast.toml also stays within what
// bench/e2e/fast_pytorch.py re-implements in PyTorch, so the comparison trains the same recipe.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "keel/train/config.h"
#include "keel/train/model_factory.h"

namespace keel::train {
namespace {

namespace fs = std::filesystem;

fs::path config_path(const std::string& name) {
  return fs::path(KEEL_GOLDEN_DIR) / ".." / ".." / "configs" / name;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(ShippedConfigs, EachReadsBuildsAndStatesWhatItMeasured) {
  for (const char* name : {"mlp.toml", "cnn.toml", "fast.toml"}) {
    const fs::path path = config_path(name);
    const Config c = Config::from_toml_file(path.string());
    EXPECT_NO_THROW(build_model(c, 28 * 28, 10)) << name;
    EXPECT_NE(read_text(path).find("# Measured"), std::string::npos) << name << " states no measurement";
  }
}

TEST(ShippedConfigs, FastStaysWithinWhatThePyTorchTwinImplements) {
  const Config c = Config::from_toml_file(config_path("fast.toml").string());
  const std::string arch = c.get_string("model.arch");
  EXPECT_TRUE(arch == "mlp" || arch == "cnn") << arch;
  const std::string norm = c.get_string("model.norm");
  EXPECT_TRUE(norm == "batch" || norm == "none") << norm;
  EXPECT_EQ(c.get_string("model.activation"), "relu");
  EXPECT_EQ(c.get_string("model.init"), "kaiming");
  EXPECT_EQ(c.get_string("model.order"), "norm_dropout");
  EXPECT_EQ(c.get_string("optim.name"), "sgd");
  EXPECT_EQ(c.get_double("data.val_fraction"), 0.0);
  EXPECT_EQ(c.get_int("data.train_subset"), 0);
  EXPECT_EQ(c.get_string("reg.penalty"), "none");
  EXPECT_EQ(c.get_string("data.normalize"), "dataset");
  EXPECT_EQ(c.get_int("train.threads"), 1);
}

}  // namespace
}  // namespace keel::train
