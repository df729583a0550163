#include <gtest/gtest.h>
#include <keel/keel.h>
#include <keel/nn/functional_norm.h>
#include <keel/nn/normalization.h>

#include <cmath>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>

#include "support/golden.h"
#include "support/gradcheck.h"

using namespace keel;
using keel::testing::GoldenOp;
using keel::testing::gradcheck;
using keel::testing::max_abs_diff;
using keel::testing::rand_input;
using nlohmann::json;

namespace {

// Builds the module a golden case describes (PyTorch's constructor arguments).
std::shared_ptr<nn::Module> make_module(const json& a, DType dt) {
  const std::string layer = a.at("layer");
  const std::int64_t c = a.value("c", 0);
  const bool affine = a.value("affine", true), track = a.value("track", true);
  std::optional<double> momentum;
  if (!a.at("momentum").is_null()) momentum = a["momentum"].get<double>();
  if (layer == "BatchNorm1d") return std::make_shared<nn::BatchNorm1d>(c, 1e-5, momentum, affine, track, dt);
  if (layer == "BatchNorm2d") return std::make_shared<nn::BatchNorm2d>(c, 1e-5, momentum, affine, track, dt);
  if (layer == "InstanceNorm1d")
    return std::make_shared<nn::InstanceNorm1d>(c, 1e-5, momentum.value_or(0.1), affine, track, dt);
  if (layer == "InstanceNorm2d")
    return std::make_shared<nn::InstanceNorm2d>(c, 1e-5, momentum.value_or(0.1), affine, track, dt);
  if (layer == "LayerNorm")
    return std::make_shared<nn::LayerNorm>(Dims(a.at("shape").get<std::vector<std::int64_t>>()), 1e-5, affine,
                                           dt);
  if (layer == "GroupNorm")
    return std::make_shared<nn::GroupNorm>(a.at("groups").get<std::int64_t>(), c, 1e-5, affine, dt);
  throw Error("unknown layer " + layer);
}

// Makes `w` and `b` the module's parameters (the registered entries and the public members), so
// gradients reach those very tensors.
void set_affine(nn::Module& m, const Tensor& w, const Tensor& b) {
  m.param("weight") = w;
  m.param("bias") = b;
  if (auto* n = m.as<nn::NormBase>()) {
    n->weight = w, n->bias = b;
  } else if (auto* l = m.as<nn::LayerNorm>()) {
    l->weight = w, l->bias = b;
  } else if (auto* g = m.as<nn::GroupNorm>()) {
    g->weight = w, g->bias = b;
  }
}

void set_running(nn::Module& m, const json& a) {
  if (!a.contains("running_mean")) return;
  NoGradGuard guard;
  m.buffer("running_mean").copy_(from_vector(a["running_mean"].get<std::vector<double>>()));
  m.buffer("running_var").copy_(from_vector(a["running_var"].get<std::vector<double>>()));
}

Tensor run_module(const std::vector<Tensor>& x, const json& a) {
  auto m = make_module(a, x[0].dtype());
  set_running(*m, a);
  if (x.size() == 3) set_affine(*m, x[1], x[2]);
  m->train(a.value("training", true));
  return m->forward(x[0]);
}

Tensor run_steps(const std::vector<Tensor>& x, const json& a) {
  auto m = make_module(a, x[0].dtype());
  m->train();
  for (int i = 0; i < 3; ++i) (void)m->forward(x[0][i]);
  m->eval();
  Tensor y = m->forward(x[0][0]);
  DType dt = x[0].dtype();
  Tensor nbt = m->buffer("num_batches_tracked").to(dt).reshape({1});
  std::int64_t c = m->buffer("running_mean").numel();
  Tensor out = empty({2 * c + 1 + y.numel()}, dt);
  out.narrow(0, 0, c).copy_(m->buffer("running_mean"));
  out.narrow(0, c, c).copy_(m->buffer("running_var"));
  out.narrow(0, 2 * c, 1).copy_(nbt);
  out.narrow(0, 2 * c + 1, y.numel()).copy_(y.reshape({y.numel()}));
  return out;
}

// A fused batch norm op (relu(batch_norm(...)), or max_pool2d of that) on a golden case, from
// the case's running statistics.
template <class Fused>
Tensor run_fused_op(Fused fused, const std::vector<Tensor>& x, const json& a) {
  const DType dt = x[0].dtype();
  Tensor rm = from_vector(a["running_mean"].get<std::vector<double>>()).to(dt);
  Tensor rv = from_vector(a["running_var"].get<std::vector<double>>()).to(dt);
  return fused(x[0], rm, rv, x[1], x[2], a["training"].get<bool>(), a["momentum"].get<double>(),
               a["eps"].get<double>());
}

Tensor run_fused(const std::vector<Tensor>& x, const json& a) {
  return run_fused_op(nn::functional::batch_norm_relu, x, a);
}

Tensor run_fused_pool(const std::vector<Tensor>& x, const json& a) {
  return run_fused_op(nn::functional::batch_norm_relu_max_pool2d, x, a);
}

json load_modules_json() {
  std::ifstream in(std::string(KEEL_GOLDEN_DIR) + "/normalization_modules.json");
  EXPECT_TRUE(in.good());
  return json::parse(in);
}

template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST(Normalization, MatchesPyTorch) {
  std::map<std::string, GoldenOp> ops = {{"module", run_module},
                                         {"steps", run_steps},
                                         {"batch_norm_relu", run_fused},
                                         {"batch_norm_relu_max_pool2d", run_fused_pool}};
  EXPECT_GT(keel::testing::check_golden("normalization", ops), 190);
}

TEST(Normalization, SourceExampleBatchNorm1d) {
  for (auto& c : keel::testing::load_golden("normalization")) {
    if (c.name != "example_batchnorm1d") continue;
    nn::BatchNorm1d bn(3);
    Tensor y = bn(c.inputs[0]);
    EXPECT_LT(max_abs_diff(y, c.output), 1e-4);
    return;
  }
  FAIL() << "example case missing";
}

TEST(Normalization, StateDictKeysAndReprMatchPyTorch) {
  json doc = load_modules_json();
  std::map<std::string, std::shared_ptr<nn::Module>> mods = {
      {"BatchNorm1d", std::make_shared<nn::BatchNorm1d>(3)},
      {"BatchNorm1d_momentum_none", std::make_shared<nn::BatchNorm1d>(3, 1e-5, std::nullopt)},
      {"BatchNorm1d_no_affine", std::make_shared<nn::BatchNorm1d>(3, 1e-5, 0.1, false)},
      {"BatchNorm1d_no_track", std::make_shared<nn::BatchNorm1d>(3, 1e-5, 0.1, true, false)},
      {"BatchNorm2d", std::make_shared<nn::BatchNorm2d>(16, 1e-3, 0.01)},
      {"InstanceNorm1d", std::make_shared<nn::InstanceNorm1d>(3)},
      {"InstanceNorm2d_affine_track", std::make_shared<nn::InstanceNorm2d>(4, 1e-5, 0.1, true, true)},
      {"LayerNorm", std::make_shared<nn::LayerNorm>(Dims{10})},
      {"LayerNorm_2d_no_affine", std::make_shared<nn::LayerNorm>(Dims{4, 5}, 1e-5, false)},
      {"GroupNorm", std::make_shared<nn::GroupNorm>(2, 6)},
      {"GroupNorm_no_affine", std::make_shared<nn::GroupNorm>(3, 6, 1e-3, false)},
  };
  ASSERT_EQ(doc["modules"].size(), mods.size());
  for (auto& [label, want] : doc["modules"].items()) {
    SCOPED_TRACE(label);
    ASSERT_TRUE(mods.count(label));
    std::vector<std::string> keys;
    for (auto& [k, t] : mods[label]->state_dict()) keys.push_back(k);
    EXPECT_EQ(keys, want["keys"].get<std::vector<std::string>>());
    std::ostringstream os;
    os << *mods[label];
    EXPECT_EQ(os.str(), want["repr"].get<std::string>());
  }
  nn::BatchNorm1d bn(3);
  EXPECT_EQ(bn.buffer("num_batches_tracked").dtype(), kInt64);
  EXPECT_EQ(bn.buffer("num_batches_tracked").dim(), 0);
}

TEST(Normalization, GradcheckEveryLayer) {
  auto check = [](std::shared_ptr<nn::Module> m, const Dims& xshape, bool train, std::uint64_t seed) {
    Tensor x = rand_input(xshape, -1.5, 2.0, seed);
    std::vector<Tensor> inputs = {x};
    bool affine = !m->named_parameters().empty();
    if (affine) {
      Dims ps = m->param("weight").sizes();
      inputs.push_back(rand_input(ps, 0.5, 1.5, seed + 1));
      inputs.push_back(rand_input(ps, -0.5, 0.5, seed + 2));
    }
    m->train(train);
    // Running statistics change on every training call; gradcheck needs a pure function.
    bool track = !m->named_buffers().empty();
    EXPECT_GRADCHECK(
        [m, affine, track](const std::vector<Tensor>& in) {
          if (affine) set_affine(*m, in[1], in[2]);
          if (track) {
            NoGradGuard guard;
            m->buffer("running_mean").fill_(0.2);
            m->buffer("running_var").fill_(1.3);
            m->buffer("num_batches_tracked").zero_();
          }
          return m->forward(in[0]);
        },
        inputs);
  };
  const DType f64 = kFloat64;
  for (bool train : {true, false}) {
    SCOPED_TRACE(train ? "train" : "eval");
    check(std::make_shared<nn::BatchNorm1d>(3, 1e-5, 0.1, true, true, f64), {5, 3}, train, 1);
    check(std::make_shared<nn::BatchNorm1d>(3, 1e-5, std::nullopt, true, true, f64), {4, 3, 5}, train, 4);
    check(std::make_shared<nn::BatchNorm1d>(3, 1e-5, 0.1, false, false, f64), {4, 3, 5}, train, 7);
    check(std::make_shared<nn::BatchNorm2d>(3, 1e-5, 0.1, true, true, f64), {2, 3, 3, 4}, train, 10);
    check(std::make_shared<nn::InstanceNorm1d>(3, 1e-5, 0.1, true, false, f64), {2, 3, 6}, train, 13);
    check(std::make_shared<nn::InstanceNorm2d>(3, 1e-5, 0.1, true, true, f64), {2, 3, 3, 4}, train, 16);
    check(std::make_shared<nn::InstanceNorm2d>(3, 1e-5, 0.1, false, false, f64), {3, 3, 4}, train, 19);
  }
  check(std::make_shared<nn::LayerNorm>(Dims{6}, 1e-5, true, f64), {4, 6}, true, 22);
  check(std::make_shared<nn::LayerNorm>(Dims{3, 4}, 1e-5, true, f64), {2, 3, 4}, true, 25);
  check(std::make_shared<nn::LayerNorm>(Dims{5}, 1e-5, false, f64), {3, 5}, true, 28);
  check(std::make_shared<nn::GroupNorm>(2, 6, 1e-5, true, f64), {2, 6, 3, 2}, true, 31);
  check(std::make_shared<nn::GroupNorm>(3, 6, 1e-5, false, f64), {3, 6, 4}, true, 34);
}

TEST(Normalization, LargeShapesMatchFloat64Reference) {
  // The row-sweep (S == 1), channel-parallel and partial-sum batch norm paths on shapes larger
  // than a grain, against per-channel statistics computed here in float64.
  for (const Dims& shape : {Dims{300, 40}, Dims{8, 16, 300}, Dims{2, 3, 50, 70}}) {
    SCOPED_TRACE(::testing::PrintToString(shape.vec()));
    Tensor x = rand_input(shape, -2.0, 3.0, 3).detach().to(kFloat32).requires_grad_();
    nn::BatchNorm1d bn1(shape[1]);
    nn::BatchNorm2d bn2(shape[1]);
    Tensor y = shape.size() == 4 ? bn2(x) : bn1(x);
    const std::int64_t n = shape[0], c = shape[1], s = x.numel() / (n * c);
    Tensor xd = x.detach().to(kFloat64);
    const double* px = xd.data_ptr<double>();
    Tensor ref = empty(shape, kFloat64);
    double* pr = ref.data_ptr<double>();
    for (std::int64_t ch = 0; ch < c; ++ch) {
      double sum = 0, sq = 0;
      for (std::int64_t i = 0; i < n; ++i)
        for (std::int64_t j = 0; j < s; ++j) sum += px[(i * c + ch) * s + j];
      double mean = sum / static_cast<double>(n * s);
      for (std::int64_t i = 0; i < n; ++i)
        for (std::int64_t j = 0; j < s; ++j)
          sq += (px[(i * c + ch) * s + j] - mean) * (px[(i * c + ch) * s + j] - mean);
      double rstd = 1.0 / std::sqrt(sq / static_cast<double>(n * s) + 1e-5);
      for (std::int64_t i = 0; i < n; ++i)
        for (std::int64_t j = 0; j < s; ++j)
          pr[(i * c + ch) * s + j] = (px[(i * c + ch) * s + j] - mean) * rstd;
    }
    EXPECT_LT(max_abs_diff(y, ref), 2e-5);
    // With an upstream gradient of ones, grad_input vanishes and grad_bias counts the values.
    y.sum().backward();
    EXPECT_LT(max_abs_diff(x.grad(), zeros(shape)), 1e-4);
    Tensor gb = shape.size() == 4 ? bn2.bias.grad() : bn1.bias.grad();
    EXPECT_LT(max_abs_diff(gb, full({c}, static_cast<double>(n * s))), 1e-2);
  }
}

TEST(Normalization, MomentumNoneIsCumulativeAverage) {
  nn::BatchNorm1d bn(2, 1e-5, std::nullopt);
  Tensor a = tensor({{1.0, 2.0}, {3.0, 6.0}}), b = tensor({{5.0, 0.0}, {7.0, 4.0}});
  (void)bn(a);
  (void)bn(b);
  // Batch means (2, 4) and (6, 2): the running mean is their plain average.
  EXPECT_NEAR(bn.running_mean[0].item(), 4.0, 1e-6);
  EXPECT_NEAR(bn.running_mean[1].item(), 3.0, 1e-6);
  EXPECT_EQ(bn.num_batches_tracked.item<std::int64_t>(), 2);
}

TEST(Normalization, ErrorsNameLayerAndShapes) {
  nn::BatchNorm1d bn1(3);
  std::string m = error_of([&] { (void)bn1(ones({2, 3, 4, 5})); });
  EXPECT_TRUE(contains(m, "BatchNorm1d") && contains(m, "expected 2D or 3D input (got 4D input") &&
              contains(m, "[2, 3, 4, 5]"))
      << m;
  m = error_of([&] { (void)bn1(ones({2, 4})); });
  EXPECT_TRUE(contains(m, "BatchNorm1d(3)") && contains(m, "[2, 4]")) << m;
  m = error_of([&] { (void)bn1(ones({1, 3})); });
  EXPECT_TRUE(contains(m, "Expected more than 1 value per channel when training, got input size [1, 3]"))
      << m;
  bn1.eval();
  EXPECT_NO_THROW((void)bn1(ones({1, 3})));  // eval mode uses running statistics
  nn::BatchNorm2d bn2(3);
  m = error_of([&] { (void)bn2(ones({2, 3, 4})); });
  EXPECT_TRUE(contains(m, "BatchNorm2d(3)") && contains(m, "expected 4D input (got 3D input")) << m;
  m = error_of([] { nn::GroupNorm(4, 6); });
  EXPECT_TRUE(contains(m, "GroupNorm") && contains(m, "divisible")) << m;
  m = error_of([] { (void)nn::functional::group_norm(ones({2, 6, 3}), 4); });
  EXPECT_TRUE(contains(m, "group_norm") && contains(m, "[2, 6, 3]") && contains(m, "num_groups=4")) << m;
  nn::LayerNorm ln(Dims{4});
  m = error_of([&] { (void)ln(ones({2, 5})); });
  EXPECT_TRUE(contains(m, "normalized_shape=[4]") && contains(m, "[2, 5]")) << m;
  nn::InstanceNorm2d in2(3, 1e-5, 0.1, true);
  m = error_of([&] { (void)in2(ones({2, 3, 4})); });  // unbatched (C, H, W) with C = 2: wrong channels
  EXPECT_TRUE(contains(m, "InstanceNorm2d(3)") && contains(m, "num_features")) << m;
  m = error_of([&] { (void)in2(ones({2, 3})); });
  EXPECT_TRUE(contains(m, "expected 3D or 4D input (got 2D input")) << m;
  nn::InstanceNorm1d in1(3);
  m = error_of([&] { (void)in1(ones({2, 3, 1})); });
  EXPECT_TRUE(contains(m, "Expected more than 1 spatial element when training")) << m;
  m = error_of([] {
    (void)nn::functional::batch_norm(ones({4, 3}), Tensor(), Tensor(), ones({3}, kFloat64));
  });
  EXPECT_TRUE(contains(m, "batch_norm")) << m;
}

TEST(Normalization, NonContiguousInputAndNoGrad) {
  nn::LayerNorm ln(Dims{4});
  Tensor x = rand_input({4, 3}, -1, 1, 9).detach().to(kFloat32);
  Tensor y1 = ln(x.t());
  Tensor y2 = ln(x.t().contiguous());
  EXPECT_EQ(max_abs_diff(y1, y2), 0.0);
  NoGradGuard guard;
  EXPECT_FALSE(ln(x.t()).requires_grad());
}

// Sequential fuses BatchNorm + ReLU (functional::batch_norm_relu): the output, every
// gradient and the running statistics must equal those of the two ops run one by one, in
// train and eval mode, on each kernel path (per-channel sweep for (N, C, L) and (N, C, H, W)
// with many channels, row sweep for (N, C) with few or many channels), in float32 and float64.
TEST(BatchNormRelu, FusedEqualsBatchNormThenRelu) {
  struct Case {
    Dims shape;
    DType dtype;
  };
  // (11, 40): rows swept four at a time, and a remainder of three.
  const std::vector<Case> cases = {
      {{8, 3}, kFloat32},       {{16, 40}, kFloat32},     {{11, 40}, kFloat32},     {{6, 5, 7}, kFloat64},
      {{4, 6, 5, 5}, kFloat32}, {{3, 4, 6, 6}, kFloat64}, {{2, 33, 3, 4}, kFloat32}};
  for (const Case& k : cases) {
    for (bool train : {true, false}) {
      const std::int64_t c = k.shape[1];
      auto make_bn = [&]() -> std::shared_ptr<nn::BatchNormBase> {
        if (k.shape.size() == 4) return std::make_shared<nn::BatchNorm2d>(c, 1e-5, 0.1, true, true, k.dtype);
        return std::make_shared<nn::BatchNorm1d>(c, 1e-5, 0.1, true, true, k.dtype);
      };
      auto bn_fused = make_bn(), bn_plain = make_bn();
      manual_seed(7);
      Tensor w = rand({c}, k.dtype) + 0.5, b = randn({c}, k.dtype);
      for (auto& bn : {bn_fused, bn_plain}) {
        NoGradGuard ng;
        bn->weight.copy_(w);
        bn->bias.copy_(b);
        bn->running_mean.copy_(randn({c}, k.dtype) * 0.1);
        bn->running_var.copy_(rand({c}, k.dtype) + 0.5);
      }
      {  // same running statistics in both
        NoGradGuard ng;
        bn_plain->running_mean.copy_(bn_fused->running_mean);
        bn_plain->running_var.copy_(bn_fused->running_var);
      }
      bn_fused->train(train);
      bn_plain->train(train);
      nn::Sequential seq({bn_fused, std::make_shared<nn::ReLU>()});
      Tensor x1 = randn(k.shape, k.dtype).requires_grad_(), x2 = x1.detach().clone().requires_grad_();
      Tensor g = randn(k.shape, k.dtype);
      Tensor y1 = seq.forward(x1);
      Tensor y2 = relu(bn_plain->forward(x2));
      SCOPED_TRACE(::testing::Message() << k.shape << (train ? " train" : " eval"));
      EXPECT_EQ(max_abs_diff(y1, y2), 0.0);
      (y1 * g).sum().backward();
      (y2 * g).sum().backward();
      EXPECT_EQ(max_abs_diff(x1.grad(), x2.grad()), 0.0);
      EXPECT_EQ(max_abs_diff(bn_fused->weight.grad(), bn_plain->weight.grad()), 0.0);
      EXPECT_EQ(max_abs_diff(bn_fused->bias.grad(), bn_plain->bias.grad()), 0.0);
      EXPECT_EQ(max_abs_diff(bn_fused->running_mean, bn_plain->running_mean), 0.0);
      EXPECT_EQ(max_abs_diff(bn_fused->running_var, bn_plain->running_var), 0.0);
    }
  }
}

// Sequential fuses BatchNorm2d + ReLU + MaxPool2d(2) (functional::batch_norm_relu_max_pool2d):
// the output and running statistics equal those of the three ops run one by one, the gradients
// up to the order of the sums, in train and eval mode, in float32 and float64; planes with an
// odd side, other pools and BatchNorm1d keep the separate ops.
TEST(BatchNormReluMaxPool2d, FusedEqualsTheThreeOps) {
  struct Case {
    Dims shape;
    DType dtype;
    double tol;
  };
  const std::vector<Case> cases = {{{4, 6, 8, 8}, kFloat32, 1e-5},
                                   {{3, 4, 6, 10}, kFloat64, 1e-12},
                                   {{2, 33, 4, 2}, kFloat32, 1e-5},
                                   {{5, 3, 7, 6}, kFloat32, 0.0}};  // odd height: not fused, so exact
  for (const Case& k : cases) {
    for (bool train : {true, false}) {
      const std::int64_t c = k.shape[1];
      auto bn_fused = std::make_shared<nn::BatchNorm2d>(c, 1e-5, 0.1, true, true, k.dtype);
      auto bn_plain = std::make_shared<nn::BatchNorm2d>(c, 1e-5, 0.1, true, true, k.dtype);
      manual_seed(9);
      Tensor w = rand({c}, k.dtype) + 0.5, b = randn({c}, k.dtype), rm = randn({c}, k.dtype) * 0.1,
             rv = rand({c}, k.dtype) + 0.5;
      for (auto& bn : {bn_fused, bn_plain}) {
        NoGradGuard ng;
        bn->weight.copy_(w);
        bn->bias.copy_(b);
        bn->running_mean.copy_(rm);
        bn->running_var.copy_(rv);
        bn->train(train);
      }
      nn::Sequential seq({bn_fused, std::make_shared<nn::ReLU>(), std::make_shared<nn::MaxPool2d>(2)});
      nn::MaxPool2d pool(2);
      Tensor x1 = randn(k.shape, k.dtype).requires_grad_(), x2 = x1.detach().clone().requires_grad_();
      Tensor y1 = seq.forward(x1);
      Tensor y2 = pool.forward(relu(bn_plain->forward(x2)));
      SCOPED_TRACE(::testing::Message() << k.shape << (train ? " train" : " eval"));
      ASSERT_EQ(y1.sizes(), y2.sizes());
      EXPECT_EQ(max_abs_diff(y1, y2), 0.0);
      EXPECT_EQ(max_abs_diff(bn_fused->running_mean, bn_plain->running_mean), 0.0);
      EXPECT_EQ(max_abs_diff(bn_fused->running_var, bn_plain->running_var), 0.0);
      Tensor g = randn(y1.sizes(), k.dtype);
      (y1 * g).sum().backward();
      (y2 * g).sum().backward();
      EXPECT_LE(max_abs_diff(x1.grad(), x2.grad()), k.tol);
      EXPECT_LE(max_abs_diff(bn_fused->weight.grad(), bn_plain->weight.grad()), k.tol * 10);
      EXPECT_LE(max_abs_diff(bn_fused->bias.grad(), bn_plain->bias.grad()), k.tol * 10);
    }
  }
}

// Without gradients (evaluation) the fused op keeps nothing for a backward and still computes
// the three ops' values.
TEST(BatchNormReluMaxPool2d, WithoutGradientsComputesTheSameValues) {
  auto bn = std::make_shared<nn::BatchNorm2d>(5);
  nn::Sequential seq({bn, std::make_shared<nn::ReLU>(), std::make_shared<nn::MaxPool2d>(2)});
  manual_seed(3);
  Tensor x = randn({4, 5, 6, 8});
  seq.forward(x);  // one training step moves the running statistics
  seq.eval();
  NoGradGuard guard;
  Tensor y = seq.forward(x);
  EXPECT_FALSE(y.requires_grad());
  nn::MaxPool2d pool(2);
  EXPECT_EQ(max_abs_diff(y, pool.forward(relu(bn->forward(x)))), 0.0);
}

TEST(BatchNormReluMaxPool2d, RefusesOddPlanesAndNamesTheShape) {
  Tensor x = randn({2, 3, 5, 4});
  const std::string msg = error_of(
      [&] { nn::functional::batch_norm_relu_max_pool2d(x, Tensor(), Tensor(), Tensor(), Tensor(), true); });
  EXPECT_TRUE(contains(msg, "even H and W")) << msg;
  EXPECT_TRUE(contains(msg, "[2, 3, 5, 4]")) << msg;
}

TEST(BatchNormRelu, Gradcheck) {
  auto x = rand_input({4, 3, 2, 3}, -2, 2, 1), w = rand_input({3}, 0.5, 1.5, 2),
       b = rand_input({3}, -1, 1, 3);
  Tensor rm = zeros({3}, kFloat64), rv = ones({3}, kFloat64);
  for (bool train : {true, false}) {
    EXPECT_GRADCHECK(
        [&](const std::vector<Tensor>& v) {
          return nn::functional::batch_norm_relu(v[0], rm, rv, v[1], v[2], train, 0.1, 1e-5);
        },
        {x, w, b});
  }
}
