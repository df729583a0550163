// The model and data keys the claim configs need: model.norm = instance (CNN only), a norm in
// the GRU, model.order, and data.test_jitter (per-image contrast and brightness of the test set).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "keel/data/mnist.h"
#include "keel/train/model_factory.h"
#include "keel/train/run_data.h"
#include "support/errors.h"

namespace keel::train {
namespace {

using testing::error_of;

std::vector<std::string> layer_types(const nn::Sequential& m) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < m.size(); ++i) out.push_back(m[i]->type_name());
  return out;
}

Config with(const std::vector<std::string>& sets) {
  Config c;
  for (const auto& s : sets) c.set(s);
  return c;
}

TEST(ClaimConfig, InstanceNormIsForTheCnnOnly) {
  auto cnn = build_model(with({"model.arch=cnn", "model.norm=instance"}), 784, 10);
  const auto types = layer_types(*cnn);
  EXPECT_EQ(types[1], "InstanceNorm2d");
  EXPECT_EQ(std::count(types.begin(), types.end(), "InstanceNorm2d"), 2);
  // Affine, like the BatchNorm2d it is compared with: a weight and bias per channel.
  EXPECT_EQ((*cnn)[1]->parameters().size(), 2u);
  const std::string m = error_of([] { build_model(with({"model.norm=instance"}), 784, 10); });
  EXPECT_NE(m.find("model.norm = instance"), std::string::npos) << m;
  EXPECT_NE(m.find("model.arch = cnn"), std::string::npos) << m;
}

TEST(ClaimConfig, TheGruTakesABatchOrLayerNorm) {
  for (const char* norm : {"batch", "layer", "none"}) {
    auto gru = build_model(
        with({"model.arch=gru", "model.hidden=8", "model.dropout=0", std::string("model.norm=") + norm}), 784,
        10);
    const auto types = layer_types(*gru);
    const std::string expected = std::string(norm) == "batch" ? "BatchNorm1d" : "LayerNorm";
    EXPECT_EQ(std::count(types.begin(), types.end(), expected), std::string(norm) == "none" ? 0 : 1) << norm;
  }
}

TEST(ClaimConfig, OrderPlacesDropoutAroundTheNorm) {
  const std::vector<std::string> base = {"model.hidden=16", "model.dropout=0.5", "model.norm=batch"};
  auto after = build_model(with(base), 784, 10);
  EXPECT_EQ(layer_types(*after),
            (std::vector<std::string>{"Flatten", "Linear", "BatchNorm1d", "ReLU", "Dropout", "Linear"}));
  auto v = base;
  v.push_back("model.order=dropout_norm");
  auto before = build_model(with(v), 784, 10);
  EXPECT_EQ(layer_types(*before),
            (std::vector<std::string>{"Flatten", "Linear", "Dropout", "BatchNorm1d", "ReLU", "Linear"}));
  const std::string m = error_of([] {
    build_model(with({"model.arch=cnn", "model.order=dropout_norm"}), 784, 10);
  });
  EXPECT_NE(m.find("model.order = dropout_norm"), std::string::npos) << m;
  EXPECT_NE(error_of([] { with({"model.order=before"}); }).find("norm_dropout, dropout_norm"),
            std::string::npos);
}

TEST(ClaimConfig, JitterRangesAreChecked) {
  std::string m = error_of([] { with({"data.test_jitter.contrast=[1.5, 0.5]"}); });
  EXPECT_NE(m.find("data.test_jitter.contrast"), std::string::npos) << m;
  EXPECT_NE(m.find("must not exceed"), std::string::npos) << m;
  m = error_of([] { with({"data.test_jitter.brightness=0.2"}); });
  EXPECT_NE(m.find("[lo, hi]"), std::string::npos) << m;
  m = error_of([] { Config::from_toml_string("[data]\ntest_jitter = {contrast = \"wide\"}\n", "j.toml"); });
  EXPECT_NE(m.find("j.toml:2"), std::string::npos) << m;
  EXPECT_NE(m.find("data.test_jitter.contrast must be a list [lo, hi]"), std::string::npos) << m;
  Config c =
      Config::from_toml_string("[data]\ntest_jitter = {contrast = [0.5, 1.5], brightness = [-0.2, 0.2]}\n");
  EXPECT_EQ(std::get<std::vector<double>>(c.get("data.test_jitter.brightness")),
            (std::vector<double>{-0.2, 0.2}));
  // It survives the round trip through a run's config.toml.
  Config back = Config::from_toml_string(c.to_toml());
  EXPECT_EQ(std::get<std::vector<double>>(back.get("data.test_jitter.contrast")),
            (std::vector<double>{0.5, 1.5}));
}

// The jittered test image is c * p + b of the clean one in pixel units, with c and b inside their
// ranges and varying per image; the training and validation images are untouched.
TEST(ClaimConfig, JitterChangesEachTestImageByItsOwnContrastAndBrightness) {
  if (!std::filesystem::exists(std::filesystem::path(data::kFashionMnistDir) / "t10k-labels-idx1-ubyte.gz"))
    GTEST_SKIP() << "Fashion-MNIST is not installed";
  const std::vector<std::string> base = {"data.test_subset=50", "data.train_subset=10",
                                         "data.val_fraction=0.001"};
  auto sets = base;
  sets.push_back("data.test_jitter.contrast=[0.5,1.5]");
  sets.push_back("data.test_jitter.brightness=[-0.3,0.3]");
  const RunData clean = load_run_data(with(base));
  const RunData jit = load_run_data(with(sets));
  ASSERT_EQ(jit.test->size(), 50);
  const InputNormalization n = input_normalization(with(base));
  std::vector<double> scales;
  for (std::int64_t i = 0; i < 50; ++i) {
    const auto a = clean.test->get(i), b = jit.test->get(i);
    EXPECT_EQ(a.target.item(), b.target.item());
    const Tensor p = a.data * n.std + n.mean, q = b.data * n.std + n.mean;  // pixel units
    const double lo = p.min().item(), hi = p.max().item();
    ASSERT_GT(hi - lo, 0.1);
    const double c = (q.max().item() - q.min().item()) / (hi - lo);
    const double shift = q.min().item() - c * lo;
    EXPECT_GE(c, 0.5 - 1e-4);
    EXPECT_LE(c, 1.5 + 1e-4);
    EXPECT_GE(shift, -0.3 - 1e-4);
    EXPECT_LE(shift, 0.3 + 1e-4);
    EXPECT_LT((q - (p * c + shift)).abs().max().item(), 1e-4);
    scales.push_back(c);
  }
  EXPECT_GT(*std::max_element(scales.begin(), scales.end()) - *std::min_element(scales.begin(), scales.end()),
            0.5);
  // Seeded: the same config gives the same images.
  const RunData again = load_run_data(with(sets));
  EXPECT_EQ((again.test->get(7).data - jit.test->get(7).data).abs().max().item(), 0.0);
  EXPECT_EQ((clean.train->get(0).data - jit.train->get(0).data).abs().max().item(), 0.0);
}

}  // namespace
}  // namespace keel::train
