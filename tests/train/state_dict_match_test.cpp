// A PyTorch state_dict of the Sequential equivalent to a keel config loads into keel's model:
// keys are matched by layer position (PyTorch's flat-input MLP has no Flatten at index 0, and
// may leave out Dropout), and a mismatch shows both sides and the config that would match.
#include <gtest/gtest.h>
#include <keel/keel.h>
#include <keel/train/model_factory.h>
#include <keel/train/state_dict_match.h>

#include <algorithm>

#include "support/errors.h"

using namespace keel;
using keel::testing::error_of;

namespace {

constexpr std::int64_t kIn = 6, kHidden = 8, kClasses = 3;

train::Config config(const std::string& norm, const std::string& hidden = "8") {
  train::Config c;
  c.set("model.hidden=" + hidden);
  c.set("model.norm=" + norm);
  c.set("model.dropout=0.2");
  return c;
}

// What a PyTorch user writes: Linear, [BatchNorm1d], ReLU, [Dropout], Linear, on flat inputs.
std::shared_ptr<nn::Sequential> torch_style(bool batch_norm, bool dropout) {
  auto seq = std::make_shared<nn::Sequential>();
  seq->push_back(std::make_shared<nn::Linear>(kIn, kHidden));
  if (batch_norm) seq->push_back(std::make_shared<nn::BatchNorm1d>(kHidden));
  seq->push_back(std::make_shared<nn::ReLU>());
  if (dropout) seq->push_back(std::make_shared<nn::Dropout>(0.2));
  seq->push_back(std::make_shared<nn::Linear>(kHidden, kClasses));
  return seq;
}

// Gives every tensor distinct values, so a wrong mapping shows in the outputs (positive ones,
// so that running variances stay valid).
void scramble(nn::Module& m) {
  NoGradGuard g;
  for (auto& [name, t] : m.state_dict())
    if (t.dtype() == kFloat32) uniform_(t, 0.5, 1.5);
}

void expect_same_outputs(nn::Module& keel_model, nn::Module& torch_model) {
  keel_model.train(false);
  torch_model.train(false);
  Tensor x = randn({5, kIn});
  Tensor a = keel_model.forward(x), b = torch_model.forward(x);
  EXPECT_EQ((a - b).abs().max().item(), 0.0) << a << b;
}

TEST(StateDictMatch, KeysWithoutTheLeadingFlattenAreMatchedByPosition) {
  for (bool dropout : {true, false}) {
    manual_seed(1);
    auto model = train::build_model(config("batch"), kIn, kClasses);
    auto torch_model = torch_style(true, dropout);
    scramble(*torch_model);
    nn::StateDict found = torch_model->state_dict();
    EXPECT_EQ(found.front().first, "0.weight");
    std::reverse(found.begin(), found.end());  // writers may order keys differently
    model->load_state_dict(train::match_state_dict(model->state_dict(), found, "t.safetensors"));
    expect_same_outputs(*model, *torch_model);
  }
}

TEST(StateDictMatch, KeelKeysAndAWrapperPrefixLoadToo) {
  auto model = train::build_model(config("none"), kIn, kClasses);
  auto other = train::build_model(config("none"), kIn, kClasses);
  scramble(*other);
  nn::StateDict found;
  for (auto& [k, t] : other->state_dict()) found.emplace_back("net." + k, t);
  model->load_state_dict(train::match_state_dict(model->state_dict(), found, "t.safetensors"));
  expect_same_outputs(*model, *other);
}

TEST(StateDictMatch, AMismatchShowsBothSidesAndTheMatchingConfig) {
  auto model = train::build_model(config("none", "16"), kIn, kClasses);
  auto torch_model = torch_style(true, false);
  const std::string m = error_of(
      [&] { train::match_state_dict(model->state_dict(), torch_model->state_dict(), "t.safetensors"); });
  for (const char* part :
       {"t.safetensors", "expected (the configured model)", "found (the file)", "1.weight [16, 6]",
        "0.weight [8, 6]", "1.running_mean [8]",
        "--set model.arch=mlp model.hidden=8 model.norm=batch (6 input features, 3 classes)",
        "builds model.arch=mlp model.hidden=16 model.norm=none"})
    EXPECT_NE(m.find(part), std::string::npos) << "'" << part << "' not in:\n" << m;
}

TEST(StateDictMatch, ConfigForStateNamesNormsAndDepth) {
  EXPECT_EQ(train::config_for_state(train::build_model(config("layer", "8,4"), kIn, kClasses)->state_dict()),
            "model.arch=mlp model.hidden=8,4 model.norm=layer (or group) (6 input features, 3 classes)");
  train::Config cnn;
  cnn.set("model.arch=cnn");
  EXPECT_EQ(train::config_for_state(train::build_model(cnn, 784, 10)->state_dict()),
            "model.arch=cnn model.norm=batch (10 classes)");
  cnn.set("model.channels=16,32,48");
  EXPECT_EQ(train::config_for_state(train::build_model(cnn, 784, 10)->state_dict()),
            "model.arch=cnn model.channels=16,32,48 model.norm=batch (10 classes)");
  train::Config gru;
  for (const char* s : {"model.arch=gru", "model.hidden=8,8", "model.norm=layer"}) gru.set(s);
  EXPECT_EQ(train::config_for_state(train::build_model(gru, 784, 10)->state_dict()),
            "model.arch=gru model.hidden=8,8 model.norm=layer (or group) (10 classes)");
  nn::StateDict odd;
  odd.emplace_back("encoder.weight", zeros({2, 2}));
  EXPECT_EQ(train::config_for_state(odd), "");
}

// A GRU's checkpoint offered to an LSTM config is refused, naming the config of each side.
TEST(StateDictMatch, ARecurrentMismatchNamesBothArchs) {
  train::Config gru, lstm;
  for (const char* s : {"model.arch=gru", "model.hidden=6", "model.norm=none", "model.dropout=0"}) gru.set(s);
  for (const char* s : {"model.arch=lstm", "model.hidden=6", "model.norm=none", "model.dropout=0"})
    lstm.set(s);
  auto from = train::build_model(gru, 784, 10), to = train::build_model(lstm, 784, 10);
  const std::string m =
      error_of([&] { train::match_state_dict(to->state_dict(), from->state_dict(), "g.safetensors"); });
  for (const char* part : {"1.weight_ih_l0 [18, 28]", "1.weight_ih_l0 [24, 28]",
                           "--set model.arch=gru model.hidden=6 model.norm=none (10 classes)",
                           "builds model.arch=lstm model.hidden=6 model.norm=none (10 classes)"})
    EXPECT_NE(m.find(part), std::string::npos) << "'" << part << "' not in:\n" << m;
}

}  // namespace
