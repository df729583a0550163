#include <gtest/gtest.h>
#include <keel/keel.h>
#include <keel/nn/rnn.h>

#include <cmath>
#include <sstream>

#include "support/errors.h"
#include "support/golden.h"
#include "support/gradcheck.h"

using namespace keel;
using keel::testing::error_of;
using keel::testing::GoldenOp;
using keel::testing::rand_input;
using nlohmann::json;

namespace {

nn::RNNOptions options_of(const json& a) {
  nn::RNNOptions o;
  o.input_size = a["input_size"].get<std::int64_t>();
  o.hidden_size = a["hidden_size"].get<std::int64_t>();
  o.num_layers = a["num_layers"].get<std::int64_t>();
  o.bias = a["bias"].get<bool>();
  o.batch_first = a["batch_first"].get<bool>();
  return o;
}

// Puts `values` (in registration order) in place of the module's parameters, so gradients
// reach those very tensors.
void use_parameters(nn::Module& m, const std::vector<Tensor>& values, std::size_t first) {
  auto named = m.named_parameters();
  ASSERT_EQ(named.size(), values.size() - first);
  for (std::size_t k = 0; k < named.size(); ++k) m.param(named[k].first) = values[first + k];
}

Tensor flat_cat(const std::vector<Tensor>& parts) {
  std::vector<Tensor> flat;
  for (const Tensor& p : parts) flat.push_back(p.reshape({p.numel()}));
  return cat(flat, 0);
}

// The GRU/LSTM golden ops: inputs are (x, [state...], parameters...), output is
// cat(output, h_n[, c_n]) flattened, as gen_rnn.py records.
Tensor run_gru(const std::vector<Tensor>& in, const json& a) {
  nn::GRU gru(options_of(a));
  const bool with_state = a["with_state"].get<bool>();
  use_parameters(gru, in, with_state ? 2 : 1);
  auto [out, hn] = gru.forward(in[0], with_state ? in[1] : Tensor());
  return flat_cat({out, hn});
}

Tensor run_lstm(const std::vector<Tensor>& in, const json& a) {
  nn::LSTM lstm(options_of(a));
  const bool with_state = a["with_state"].get<bool>();
  use_parameters(lstm, in, with_state ? 3 : 1);
  auto [out, st] = lstm.forward(in[0], with_state ? nn::LSTMState{in[1], in[2]} : nn::LSTMState{});
  return flat_cat({out, st.h, st.c});
}

std::vector<std::string> keys(const nn::StateDict& sd) {
  std::vector<std::string> k;
  for (const auto& [name, t] : sd) k.push_back(name);
  return k;
}

std::string printed(const nn::Module& m) {
  std::ostringstream os;
  os << m;
  return os.str();
}

double max_abs(const Tensor& t) { return t.abs().max().item(); }

}  // namespace

TEST(Recurrent, MatchesPyTorch) {
  std::map<std::string, GoldenOp> ops = {
      {"gru", run_gru},
      {"lstm", run_lstm},
      {"embedding",
       [](const std::vector<Tensor>& x, const json& a) {
         std::optional<std::int64_t> pad;
         if (!a["padding_idx"].is_null()) pad = a["padding_idx"].get<std::int64_t>();
         return nn::functional::embedding(x[0], x[1], pad);
       }},
      {"conv1d", [](const std::vector<Tensor>& x, const json& a) {
         return nn::functional::conv1d(x[0], x[1], x.size() > 2 ? x[2] : Tensor(),
                                       a["stride"].get<std::int64_t>(), a["padding"].get<std::int64_t>(),
                                       a["dilation"].get<std::int64_t>(), a["groups"].get<std::int64_t>());
       }}};
  EXPECT_EQ(keel::testing::check_golden("rnn", ops), 21);
}

TEST(Recurrent, GradcheckGRUAndLSTM) {
  for (bool batch_first : {false, true}) {
    nn::RNNOptions o{3, 2, 2, true, batch_first};
    // x, h0 (and c0), then the 8 parameters of two layers.
    std::vector<Tensor> in = {rand_input(batch_first ? Dims{2, 3, 3} : Dims{3, 2, 3}, -1, 1, 1),
                              rand_input({2, 2, 2}, -1, 1, 2), rand_input({2, 2, 2}, -1, 1, 3)};
    std::vector<Tensor> gru_in = {in[0], in[1]}, lstm_in = in;
    nn::GRU gru_shapes(o);
    nn::LSTM lstm_shapes(o);
    std::uint64_t seed = 10;
    for (const Tensor& p : gru_shapes.parameters()) gru_in.push_back(rand_input(p.sizes(), -1, 1, seed++));
    for (const Tensor& p : lstm_shapes.parameters()) lstm_in.push_back(rand_input(p.sizes(), -1, 1, seed++));
    json a = {{"input_size", 3}, {"hidden_size", 2},           {"num_layers", 2},
              {"bias", true},    {"batch_first", batch_first}, {"with_state", true}};
    EXPECT_GRADCHECK([&](const std::vector<Tensor>& t) { return run_gru(t, a); }, gru_in);
    EXPECT_GRADCHECK([&](const std::vector<Tensor>& t) { return run_lstm(t, a); }, lstm_in);
  }
}

TEST(Recurrent, GradcheckEmbeddingAndConv1d) {
  Tensor idx = tensor({1, 3, 1, 0, 3, 2}, kInt64).reshape({2, 3});
  // Without padding_idx: the padding row's zero gradient is by definition not the numeric one
  // (the golden cases and Embedding.PaddingRowIsZeroAndGetsNoGradient cover it).
  EXPECT_GRADCHECK([&](const std::vector<Tensor>& t) { return nn::functional::embedding(t[0], idx); },
                   {rand_input({4, 3}, -1, 1, 4)});
  EXPECT_GRADCHECK(
      [](const std::vector<Tensor>& t) { return nn::functional::conv1d(t[0], t[1], t[2], 2, 1, 1, 2); },
      {rand_input({2, 4, 7}, -1, 1, 5), rand_input({4, 2, 3}, -1, 1, 6), rand_input({4}, -1, 1, 7)});
}

TEST(Recurrent, ParameterNamesShapesAndInit) {
  nn::LSTM lstm(nn::RNNOptions{5, 4, 2});
  EXPECT_EQ(keys(lstm.state_dict()),
            (std::vector<std::string>{"weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
                                      "weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1"}));
  EXPECT_EQ(lstm.param("weight_ih_l0").sizes(), Dims({16, 5}));
  EXPECT_EQ(lstm.param("weight_ih_l1").sizes(), Dims({16, 4}));
  EXPECT_EQ(lstm.param("weight_hh_l1").sizes(), Dims({16, 4}));
  EXPECT_EQ(lstm.param("bias_hh_l1").sizes(), Dims({16}));
  nn::GRU gru(nn::RNNOptions{3, 100, 1, false});
  EXPECT_EQ(keys(gru.state_dict()), (std::vector<std::string>{"weight_ih_l0", "weight_hh_l0"}));
  EXPECT_EQ(gru.param("weight_hh_l0").sizes(), Dims({300, 100}));
  // U(-1/sqrt(H), 1/sqrt(H)) with H = 100: bound 0.1, and 30000 draws come close to it.
  const Tensor& w = gru.param("weight_hh_l0");
  EXPECT_LE(max_abs(w), 0.1);
  EXPECT_GT(max_abs(w), 0.099);
  EXPECT_NEAR(w.mean().item(), 0.0, 0.005);
}

TEST(Recurrent, ShapesBatchFirstAndUnbatched) {
  nn::GRU gru(nn::RNNOptions{3, 4, 2, true, true});
  Tensor x = randn({5, 7, 3});  // (batch, seq, feature)
  auto [out, hn] = gru.forward(x, Tensor());
  EXPECT_EQ(out.sizes(), Dims({5, 7, 4}));
  EXPECT_EQ(hn.sizes(), Dims({2, 5, 4}));
  // The last step's output is the last layer's h_n.
  EXPECT_EQ(keel::testing::max_abs_diff(out.select(1, 6), hn.select(0, 1)), 0.0);
  EXPECT_EQ(gru.forward(x).sizes(), Dims({5, 7, 4}));
  // An unbatched sequence is batch element 0 of a batch of one.
  Tensor u = randn({7, 3});
  auto [uo, uh] = gru.forward(u, Tensor());
  EXPECT_EQ(uo.sizes(), Dims({7, 4}));
  EXPECT_EQ(uh.sizes(), Dims({2, 4}));
  EXPECT_LT(keel::testing::max_abs_diff(uo, gru.forward(u.unsqueeze(0)).squeeze(0)), 1e-6);

  nn::LSTM lstm(3, 4);
  auto [lo, st] = lstm.forward(randn({6, 2, 3}), nn::LSTMState{});
  EXPECT_EQ(lo.sizes(), Dims({6, 2, 4}));
  EXPECT_EQ(st.h.sizes(), Dims({1, 2, 4}));
  EXPECT_EQ(st.c.sizes(), Dims({1, 2, 4}));
}

TEST(Recurrent, ClearErrors) {
  EXPECT_NE(error_of([] {
              nn::GRU(nn::RNNOptions{3, 4, 1, true, false, 0.0, true});
            }).find("bidirectional"),
            std::string::npos);
  nn::GRU gru(3, 4);
  EXPECT_NE(error_of([&] { gru.forward(randn({2, 2, 5})); }).find("input_size"), std::string::npos);
  EXPECT_NE(error_of([&] { gru.forward(randn({2, 2, 3}), zeros({1, 3, 4})); }).find("hx"), std::string::npos);
  nn::LSTM lstm(3, 4);
  EXPECT_NE(error_of([&] {
              lstm.forward(randn({2, 2, 3}), nn::LSTMState{zeros({1, 2, 4}), Tensor()});
            }).find("h0 and c0"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              nn::LSTM(nn::RNNOptions{3, 4, 1, true, false, 1.5});
            }).find("dropout"),
            std::string::npos);
}

TEST(Recurrent, DropoutBetweenLayersOnlyInTraining) {
  manual_seed(3);
  nn::GRU gru(nn::RNNOptions{3, 8, 2, true, false, 0.5});
  Tensor x = randn({4, 2, 3});
  gru.eval();
  EXPECT_EQ(keel::testing::max_abs_diff(gru.forward(x), gru.forward(x)), 0.0);
  gru.train();
  EXPECT_GT(keel::testing::max_abs_diff(gru.forward(x), gru.forward(x)), 1e-4);
  // One layer: PyTorch applies no dropout (it goes between layers only).
  nn::GRU one(nn::RNNOptions{3, 8, 1, true, false, 0.5});
  EXPECT_EQ(keel::testing::max_abs_diff(one.forward(x), one.forward(x)), 0.0);
}

TEST(Recurrent, PrintsAsPyTorch) {
  EXPECT_EQ(printed(nn::GRU(nn::RNNOptions{3, 4, 2, true, true, 0.5})),
            "GRU(3, 4, num_layers=2, batch_first=True, dropout=0.5)");
  EXPECT_EQ(printed(nn::LSTM(nn::RNNOptions{28, 64, 1, false})), "LSTM(28, 64, bias=False)");
  EXPECT_EQ(printed(nn::Embedding(5, 3, 0)), "Embedding(5, 3, padding_idx=0)");
  EXPECT_EQ(printed(nn::Embedding(5, 3, -1)), "Embedding(5, 3, padding_idx=4)");
  EXPECT_EQ(printed(nn::Conv1d(4, 6, 3, 2, 1, 1, 2)),
            "Conv1d(4, 6, kernel_size=(3,), stride=(2,), padding=(1,), groups=2)");
  EXPECT_EQ(printed(nn::Conv1d(1, 2, 5, 1, 0, 2, 1, false)),
            "Conv1d(1, 2, kernel_size=(5,), stride=(1,), dilation=(2,), bias=False)");
}

TEST(Embedding, PaddingRowIsZeroAndGetsNoGradient) {
  nn::Embedding emb(6, 4, 2);
  EXPECT_EQ(emb.weight.sizes(), Dims({6, 4}));
  EXPECT_EQ(max_abs(emb.weight.select(0, 2)), 0.0);
  EXPECT_GT(max_abs(emb.weight.select(0, 1)), 0.0);
  Tensor idx = tensor({2, 1, 2, 5, 1}, kInt64).reshape({5});
  Tensor y = emb(idx);
  EXPECT_EQ(y.sizes(), Dims({5, 4}));
  y.sum().backward();
  Tensor g = emb.weight.grad();
  EXPECT_EQ(max_abs(g.select(0, 2)), 0.0);      // the padding row
  EXPECT_EQ(g.select(0, 1).min().item(), 2.0);  // index 1 appears twice
  EXPECT_EQ(g.select(0, 5).min().item(), 1.0);
  EXPECT_EQ(max_abs(g.select(0, 0)), 0.0);  // never looked up
}

TEST(Embedding, InitIsStandardNormal) {
  manual_seed(1);
  nn::Embedding emb(1000, 20);
  EXPECT_NEAR(emb.weight.mean().item(), 0.0, 0.02);
  EXPECT_NEAR(emb.weight.std().item(), 1.0, 0.02);
}

TEST(Embedding, ClearErrors) {
  nn::Embedding emb(4, 2);
  std::string e = error_of([&] { emb(tensor({1, 4}, kInt64)); });
  EXPECT_NE(e.find("index 4 is out of range for 4 embeddings"), std::string::npos) << e;
  EXPECT_NE(e.find("Embedding(4, 2)"), std::string::npos) << e;
  EXPECT_NE(error_of([&] { emb(tensor({-1}, kInt64)); }).find("out of range"), std::string::npos);
  EXPECT_NE(error_of([&] { emb(randn({3})); }).find("int64"), std::string::npos);
  EXPECT_NE(error_of([] { nn::Embedding(4, 2, 4); }).find("padding_idx"), std::string::npos);
}

TEST(Conv1d, ShapesInitAndUnbatched) {
  nn::Conv1d conv(4, 6, 3, 2, 1, 1, 2);
  EXPECT_EQ(conv.weight.sizes(), Dims({6, 2, 3}));
  EXPECT_EQ(conv.bias.sizes(), Dims({6}));
  // fan_in = 4 / 2 * 3 = 6.
  EXPECT_LE(max_abs(conv.weight), 1.0 / std::sqrt(6.0));
  EXPECT_LE(max_abs(conv.bias), 1.0 / std::sqrt(6.0));
  Tensor x = randn({3, 4, 11});
  Tensor y = conv(x);
  EXPECT_EQ(y.sizes(), Dims({3, 6, 6}));
  EXPECT_LT(keel::testing::max_abs_diff(conv(x.select(0, 1)), y.select(0, 1)), 1e-6);
  y.sum().backward();
  EXPECT_EQ(conv.weight.grad().sizes(), conv.weight.sizes());
  EXPECT_NE(error_of([&] { conv(randn({3, 5, 11})); }).find("Conv1d(4, 6"), std::string::npos);
}

TEST(ModuleList, RegistersIndexesAndIterates) {
  nn::ModuleList list{std::make_shared<nn::Linear>(2, 3), std::make_shared<nn::ReLU>()};
  list.append(std::make_shared<nn::Linear>(3, 1));
  EXPECT_EQ(list.size(), 3u);
  EXPECT_EQ(keys(list.state_dict()), (std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"}));
  EXPECT_EQ(list[-1]->type_name(), "Linear");
  EXPECT_EQ(list.at<nn::Linear>(2)->in_features, 3);
  std::vector<std::string> types;
  for (const auto& m : list) types.push_back(m->type_name());
  EXPECT_EQ(types, (std::vector<std::string>{"Linear", "ReLU", "Linear"}));
  EXPECT_NE(error_of([&] { (void)list[3]; }).find("out of range"), std::string::npos);
  EXPECT_NE(error_of([&] { list.at<nn::Linear>(1); }).find("ReLU"), std::string::npos);
  EXPECT_EQ(printed(list),
            "ModuleList(\n"
            "  (0): Linear(in_features=2, out_features=3, bias=True)\n"
            "  (1): ReLU()\n"
            "  (2): Linear(in_features=3, out_features=1, bias=True)\n"
            ")");
  // Modes reach the children.
  list.eval();
  EXPECT_FALSE(list[0]->is_training());
  list.train();
  EXPECT_TRUE(list[0]->is_training());
}

TEST(ModuleDict, KeysInInsertionOrder) {
  nn::ModuleDict dict{{"encoder", std::make_shared<nn::Linear>(4, 2)}, {"act", std::make_shared<nn::Tanh>()}};
  dict.insert("head", std::make_shared<nn::Linear>(2, 1, false));
  EXPECT_EQ(dict.size(), 3u);
  EXPECT_TRUE(dict.contains("act"));
  EXPECT_FALSE(dict.contains("decoder"));
  EXPECT_EQ(dict.keys(), (std::vector<std::string>{"encoder", "act", "head"}));
  EXPECT_EQ(keys(dict.state_dict()),
            (std::vector<std::string>{"encoder.weight", "encoder.bias", "head.weight"}));
  EXPECT_EQ(dict.at<nn::Linear>("head")->out_features, 1);
  std::vector<std::string> seen;
  for (const auto& [key, m] : dict) seen.push_back(key + ":" + m->type_name());
  EXPECT_EQ(seen, (std::vector<std::string>{"encoder:Linear", "act:Tanh", "head:Linear"}));
  EXPECT_NE(error_of([&] { (void)dict["decoder"]; }).find("decoder"), std::string::npos);
  EXPECT_NE(error_of([&] { dict.insert("act", std::make_shared<nn::ReLU>()); }).find("already exists"),
            std::string::npos);
  EXPECT_EQ(printed(dict),
            "ModuleDict(\n"
            "  (encoder): Linear(in_features=4, out_features=2, bias=True)\n"
            "  (act): Tanh()\n"
            "  (head): Linear(in_features=2, out_features=1, bias=False)\n"
            ")");
}

TEST(ModuleList, HoldsRecurrentLayersForAModel) {
  // A stack of modules built in a loop, the use ModuleList is for: its state_dict loads into
  // an equal stack.
  auto build = [] {
    auto list = std::make_shared<nn::ModuleList>();
    list->append(std::make_shared<nn::GRU>(3, 4));
    list->append(std::make_shared<nn::Linear>(4, 2));
    return list;
  };
  auto a = build(), b = build();
  b->load_state_dict(a->state_dict());
  Tensor x = randn({5, 2, 3});
  Tensor ya = (*a)[1]->forward((*a)[0]->forward(x)), yb = (*b)[1]->forward((*b)[0]->forward(x));
  EXPECT_EQ(keel::testing::max_abs_diff(ya, yb), 0.0);
  EXPECT_EQ(keys(a->state_dict())[0], "0.weight_ih_l0");
}
