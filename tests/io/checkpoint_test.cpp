#include <gtest/gtest.h>
#include <keel/io/checkpoint.h>
#include <keel/io/optimizer_state.h>
#include <keel/keel.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "io/io_test_util.h"

using namespace keel;
using keel::testing::bitwise_equal;
using keel::testing::ScratchDir;

namespace {

std::shared_ptr<nn::Sequential> mlp(std::int64_t hidden = 5) {
  return std::make_shared<nn::Sequential>(std::initializer_list<std::shared_ptr<nn::Module>>{
      std::make_shared<nn::Linear>(4, hidden), std::make_shared<nn::ReLU>(),
      std::make_shared<nn::Linear>(hidden, 3)});
}

std::vector<std::string> keys(const io::NamedTensors& tensors) {
  std::vector<std::string> out;
  for (const auto& [k, t] : tensors) out.push_back(k);
  return out;
}

void expect_same_state(const nn::Module& a, const nn::Module& b) {
  auto sa = a.state_dict(), sb = b.state_dict();
  ASSERT_EQ(sa.size(), sb.size());
  for (std::size_t i = 0; i < sa.size(); ++i) {
    EXPECT_EQ(sa[i].first, sb[i].first);
    EXPECT_TRUE(bitwise_equal(sa[i].second, sb[i].second)) << sa[i].first;
  }
}

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "<no error>";
}

}  // namespace

TEST(Checkpoint, RoundTripsWithPyTorchKeyNames) {
  ScratchDir dir;
  std::string path = dir.file("model.safetensors");
  manual_seed(1);
  auto a = mlp();
  io::save_checkpoint(path, *a, {{"epoch", "4"}});
  EXPECT_EQ(keys(io::load_safetensors(path).tensors),
            (std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"}));

  manual_seed(2);
  auto b = mlp();
  io::Metadata meta = io::load_checkpoint(path, *b);
  expect_same_state(*a, *b);
  EXPECT_EQ(meta.at("epoch"), "4");
  EXPECT_EQ(meta.at("format"), "pt");
  EXPECT_EQ(meta.at(io::kContentKey), "checkpoint");
  // Loading copies in place: parameters keep their identity and requires_grad.
  EXPECT_TRUE(b->parameters()[0].requires_grad());
  Tensor x = randn({2, 4});
  EXPECT_TRUE(bitwise_equal(a->forward(x), b->forward(x)));
}

TEST(Checkpoint, KeyAndShapeMismatchesNameTheFileAndChangeNothing) {
  ScratchDir dir;
  std::string path = dir.file("model.safetensors");
  io::save_checkpoint(path, *mlp(5));

  auto wider = mlp(6);
  auto before = wider->state_dict()[0].second.clone();
  std::string msg = error_of([&] { io::load_checkpoint(path, *wider); });
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find("size mismatch for 0.weight"), std::string::npos) << msg;
  EXPECT_TRUE(bitwise_equal(wider->state_dict()[0].second, before));

  auto deeper = std::make_shared<nn::Sequential>(std::initializer_list<std::shared_ptr<nn::Module>>{
      std::make_shared<nn::Linear>(4, 5), std::make_shared<nn::ReLU>(), std::make_shared<nn::Linear>(5, 3),
      std::make_shared<nn::Linear>(3, 3)});
  msg = error_of([&] { io::load_checkpoint(path, *deeper); });
  EXPECT_NE(msg.find("Missing key(s) in state_dict: \"3.weight\", \"3.bias\""), std::string::npos) << msg;
  // Non-strict loading takes the keys that exist.
  io::load_checkpoint(path, *deeper, /*strict=*/false);

  auto shallow = std::make_shared<nn::Sequential>(
      std::initializer_list<std::shared_ptr<nn::Module>>{std::make_shared<nn::Linear>(4, 5)});
  msg = error_of([&] { io::load_checkpoint(path, *shallow); });
  EXPECT_NE(msg.find("Unexpected key(s) in state_dict: \"2.weight\", \"2.bias\""), std::string::npos) << msg;
}

TEST(Checkpoint, ConvertsDtypesLikePyTorch) {
  ScratchDir dir;
  std::string path = dir.file("f64.safetensors");
  auto a = mlp();
  io::NamedTensors as_double;
  for (const auto& [k, t] : a->state_dict()) as_double.emplace_back(k, t.to(kFloat64));
  io::save_safetensors(path, as_double);
  auto b = mlp();
  io::load_checkpoint(path, *b);
  expect_same_state(*a, *b);  // float32 -> float64 -> float32 is exact
  EXPECT_EQ(b->state_dict()[0].second.dtype(), kFloat32);
}

TEST(Checkpoint, TrainingStateHoldsModelOptimizerAndProgress) {
  ScratchDir dir;
  std::string path = dir.file("last.safetensors");
  auto a = mlp();
  io::NamedTensors optim = {{"0.momentum_buffer", randn({5, 4})}, {"step", scalar_tensor(12, kInt64)}};
  io::save_training_state(path, *a, optim, {{"progress", R"({"epoch": 3, "step": 120})"}});

  io::SafetensorsHeader h = io::read_safetensors_header(path);
  EXPECT_EQ(h.entries.front().name, "model.0.weight");
  EXPECT_EQ(h.entries.back().name, "optim.step");

  auto b = mlp();
  io::TrainingState s = io::load_training_state(path, *b);
  expect_same_state(*a, *b);
  ASSERT_EQ(s.optimizer.size(), 2u);
  EXPECT_EQ(s.optimizer[0].first, "0.momentum_buffer");
  EXPECT_TRUE(bitwise_equal(s.optimizer[0].second, optim[0].second));
  EXPECT_EQ(s.optimizer[1].second.item<std::int64_t>(), 12);
  EXPECT_EQ(s.metadata.at("progress"), R"({"epoch": 3, "step": 120})");
  EXPECT_EQ(s.metadata.at(io::kContentKey), "training_state");

  // The model part of a training state loads as a checkpoint (keel eval on a last state).
  auto c = mlp();
  io::load_checkpoint(path, *c);
  expect_same_state(*a, *c);

  // A plain checkpoint cannot resume training.
  io::save_checkpoint(dir.file("weights.safetensors"), *a);
  std::string msg = error_of([&] { io::load_training_state(dir.file("weights.safetensors"), *c); });
  EXPECT_NE(msg.find("holds model weights only"), std::string::npos) << msg;
}

TEST(Checkpoint, CorruptCheckpointIsAnErrorAndLeavesTheModelAlone) {
  ScratchDir dir;
  std::string path = dir.file("model.safetensors");
  io::save_checkpoint(path, *mlp());
  std::string bytes = keel::testing::read_bytes(path);
  keel::testing::write_bytes(path, bytes.substr(0, bytes.size() - 3));
  auto m = mlp();
  auto before = m->state_dict();
  std::vector<Tensor> copies;
  for (auto& [k, t] : before) copies.push_back(t.clone());
  std::string msg = error_of([&] { io::load_checkpoint(path, *m); });
  EXPECT_NE(msg.find("model.safetensors"), std::string::npos) << msg;
  for (std::size_t i = 0; i < copies.size(); ++i) EXPECT_TRUE(bitwise_equal(before[i].second, copies[i]));
}

TEST(Checkpoint, BatchNormBuffersUseTorchNamesAndDtypes) {
  ScratchDir dir;
  std::string path = dir.file("bn.safetensors");
  auto make = [] {
    return std::make_shared<nn::Sequential>(std::initializer_list<std::shared_ptr<nn::Module>>{
        std::make_shared<nn::Linear>(4, 5), std::make_shared<nn::BatchNorm1d>(5),
        std::make_shared<nn::ReLU>()});
  };
  auto a = make();
  a->forward(randn({8, 4}));  // updates running stats and num_batches_tracked
  io::save_checkpoint(path, *a);
  io::SafetensorsHeader h = io::read_safetensors_header(path);
  std::vector<std::string> names;
  for (const auto& e : h.entries) names.push_back(e.name);
  EXPECT_EQ(names, (std::vector<std::string>{"0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean",
                                             "1.running_var", "1.num_batches_tracked"}));
  EXPECT_EQ(h.entries.back().dtype, kInt64);
  auto b = make();
  io::load_checkpoint(path, *b);
  expect_same_state(*a, *b);
  EXPECT_EQ(b->state_dict().back().second.item<std::int64_t>(), 1);
}

namespace {
// One SGD step on a fixed regression batch.
void train_step(nn::Module& model, optim::Optimizer& opt, std::uint64_t seed) {
  Generator gen(seed);
  Tensor x = randn({6, 4}, kFloat32, &gen), target = randn({6, 3}, kFloat32, &gen);
  opt.zero_grad();
  Tensor loss = (model.forward(x) - target).pow(2.0).mean();
  loss.backward();
  opt.step();
}
}  // namespace

TEST(Checkpoint, ResumingWithAKeelOptimizerMatchesAnUninterruptedRun) {
  ScratchDir dir;
  std::string path = dir.file("last.safetensors");
  optim::SGDOptions options;
  options.lr = 0.1;
  options.momentum = 0.9;
  options.weight_decay = 1e-3;
  manual_seed(3);
  auto a = mlp();
  optim::SGD opt_a(a->parameters(), options);
  for (std::uint64_t s = 0; s < 2; ++s) train_step(*a, opt_a, s);
  io::save_training_state(path, *a, opt_a, {{"epoch", "2"}});
  EXPECT_EQ(io::read_safetensors_header(path).entries.back().name, "optim.state.3.momentum_buffer");
  for (std::uint64_t s = 2; s < 4; ++s) train_step(*a, opt_a, s);

  manual_seed(4);
  auto b = mlp();
  optim::SGDOptions other = options;
  other.lr = 0.5;  // restored from the file
  optim::SGD opt_b(b->parameters(), other);
  io::Metadata meta = io::load_training_state(path, *b, opt_b);
  EXPECT_EQ(meta.at("epoch"), "2");
  EXPECT_EQ(opt_b.param_groups()[0].lr(), 0.1);
  for (std::uint64_t s = 2; s < 4; ++s) train_step(*b, opt_b, s);
  expect_same_state(*a, *b);

  // Another kind of optimizer, or a file without optimizer state, is a clear error.
  optim::Adam adam(b->parameters());
  std::string msg = error_of([&] { io::load_training_state(path, *b, adam); });
  EXPECT_NE(msg.find("written by SGD, but the optimizer is Adam"), std::string::npos) << msg;
  io::save_training_state(dir.file("generic.safetensors"), *a, io::NamedTensors{});
  msg = error_of([&] { io::load_training_state(dir.file("generic.safetensors"), *b, opt_b); });
  EXPECT_NE(msg.find("keel.optimizer"), std::string::npos) << msg;
}

TEST(Checkpoint, OptimizerStateEncodingKeepsUndefinedBuffersAndNonFiniteOptions) {
  optim::OptimizerState s;
  s.param_groups.push_back({{{"lr", 0.01}, {"max", INFINITY}, {"odd", NAN}}, {0, 1}});
  s.state[0] = optim::ParamState{5, {{"exp_avg", ones({2})}, {"momentum_buffer", Tensor()}}};
  io::EncodedOptimizerState e = io::encode_optimizer_state(s, "X");
  ASSERT_EQ(e.tensors.size(), 1u);
  EXPECT_EQ(e.tensors[0].first, "state.0.exp_avg");
  optim::OptimizerState d = io::decode_optimizer_state(e.tensors, e.json, "X", "f");
  EXPECT_EQ(d.param_groups[0].params, (std::vector<std::int64_t>{0, 1}));
  EXPECT_EQ(d.param_groups[0].options.at("lr"), 0.01);
  EXPECT_EQ(d.param_groups[0].options.at("max"), INFINITY);
  EXPECT_TRUE(std::isnan(d.param_groups[0].options.at("odd")));
  EXPECT_EQ(d.state.at(0).step, 5);
  EXPECT_FALSE(d.state.at(0).buffers.at("momentum_buffer").defined());
  EXPECT_TRUE(bitwise_equal(d.state.at(0).buffers.at("exp_avg"), ones({2})));
  std::string msg = error_of([&] { io::decode_optimizer_state({}, e.json, "X", "f"); });
  EXPECT_NE(msg.find("tensor 'state.0.exp_avg' is missing"), std::string::npos) << msg;
  msg = error_of([&] { io::decode_optimizer_state(e.tensors, "{", "X", "f"); });
  EXPECT_NE(msg.find("malformed"), std::string::npos) << msg;
}
