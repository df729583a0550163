#include "keel/nn/rnn.h"

#include <cmath>
#include <sstream>
#include <vector>

#include "keel/nn/functional.h"
#include "keel/nn/init.h"
#include "keel/ops/elementwise.h"
#include "keel/ops/indexing.h"
#include "keel/tensor/factories.h"

namespace keel::nn {

namespace {

std::string layer_name(const char* what, std::int64_t l) {
  return std::string(what) + "_l" + std::to_string(l);
}

// Python's repr of a float as PyTorch prints dropout: 0.5, 1.0 (six significant digits suffice).
std::string py_float(double v) {
  std::ostringstream os;
  os << v;
  std::string s = os.str();
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

}  // namespace

RNNBase::RNNBase(const std::string& type_name, const RNNOptions& opts, std::int64_t gate_count)
    : Module(type_name), options(opts) {
  KEEL_CHECK(options.input_size > 0, type_name, ": input_size must be positive, got ", options.input_size);
  KEEL_CHECK(options.hidden_size > 0, type_name, ": hidden_size must be positive, got ", options.hidden_size);
  KEEL_CHECK(options.num_layers > 0, type_name, ": num_layers must be positive, got ", options.num_layers);
  KEEL_CHECK(options.dropout >= 0.0 && options.dropout <= 1.0, type_name,
             ": dropout must be a probability in [0, 1], got ", options.dropout);
  KEEL_CHECK(!options.bidirectional, type_name,
             ": bidirectional=true is not supported by keel; use two layers over the sequence and its "
             "reverse instead");
  const std::int64_t h = options.hidden_size;
  for (std::int64_t l = 0; l < options.num_layers; ++l) {
    const std::int64_t in = l == 0 ? options.input_size : h;
    register_parameter(layer_name("weight_ih", l), empty({gate_count * h, in}));
    register_parameter(layer_name("weight_hh", l), empty({gate_count * h, h}));
    if (options.bias) {
      register_parameter(layer_name("bias_ih", l), empty({gate_count * h}));
      register_parameter(layer_name("bias_hh", l), empty({gate_count * h}));
    }
  }
  reset_parameters();
}

void RNNBase::reset_parameters() {
  // PyTorch's RNNBase.reset_parameters: every weight and bias U(-1/sqrt(H), 1/sqrt(H)), drawn
  // in registration order.
  const double bound = 1.0 / std::sqrt(static_cast<double>(options.hidden_size));
  for (auto& [name, p] : named_parameters(false)) init::uniform_(p, -bound, bound);
}

RNNBase::LayerParams RNNBase::layer(std::int64_t l) {
  LayerParams p{param(layer_name("weight_ih", l)), param(layer_name("weight_hh", l)), Tensor(), Tensor()};
  if (options.bias) {
    p.b_ih = param(layer_name("bias_ih", l));
    p.b_hh = param(layer_name("bias_hh", l));
  }
  return p;
}

Tensor RNNBase::to_time_major(const Tensor& input, bool& batched) const {
  KEEL_CHECK(input.dim() == 2 || input.dim() == 3, type_name(),
             ": expected a 3-D input (seq, batch, feature) (batch first if batch_first) or a 2-D unbatched "
             "input (seq, feature), got shape ",
             input.sizes());
  KEEL_CHECK(input.size(-1) == options.input_size, type_name(),
             ": input.size(-1) must be equal to input_size. "
             "Expected ",
             options.input_size, ", got ", input.size(-1));
  batched = input.dim() == 3;
  if (!batched) return input.unsqueeze(1);
  return options.batch_first ? input.transpose(0, 1) : input;
}

Tensor RNNBase::from_time_major(const Tensor& out, bool batched) const {
  if (!batched) return out.squeeze(1);
  return options.batch_first ? out.transpose(0, 1) : out;
}

Tensor RNNBase::initial_state(const Tensor& given, const Tensor& x, bool batched, const char* what) const {
  const Dims expected = {options.num_layers, x.size(1), options.hidden_size};
  if (!given.defined()) return zeros(expected, x.dtype());
  Tensor s = batched ? given : given.unsqueeze(1);
  KEEL_CHECK(s.sizes() == expected, type_name(), ": expected ", what, " of shape ",
             batched ? expected : Dims{options.num_layers, options.hidden_size}, ", got ", given.sizes());
  return s;
}

Tensor RNNBase::inter_layer_dropout(const Tensor& x) {
  if (options.dropout == 0.0 || !is_training()) return x;
  return functional::dropout(x, options.dropout, true);
}

std::string RNNBase::extra_repr() const {
  std::ostringstream os;
  os << options.input_size << ", " << options.hidden_size;
  if (options.num_layers != 1) os << ", num_layers=" << options.num_layers;
  if (!options.bias) os << ", bias=False";
  if (options.batch_first) os << ", batch_first=True";
  if (options.dropout != 0.0) os << ", dropout=" << py_float(options.dropout);
  return os.str();
}

// ---- GRU ----------------------------------------------------------------------------------

GRU::GRU(const RNNOptions& opts) : RNNBase("GRU", opts, 3) {}
GRU::GRU(std::int64_t input_size, std::int64_t hidden_size, std::int64_t num_layers)
    : GRU(RNNOptions{input_size, hidden_size, num_layers}) {}

std::vector<Tensor> RNNBase::layer_inputs(const Tensor& x, std::vector<Tensor> previous, std::int64_t l) {
  const std::int64_t steps = x.size(0);
  if (l > 0 && !(options.dropout > 0.0 && is_training())) return previous;
  // The first layer's input, or the previous layer's outputs after dropout (one draw over the
  // whole sequence, as PyTorch makes it).
  Tensor seq = l == 0 ? x : inter_layer_dropout(stack(previous, 0));
  std::vector<Tensor> out;
  out.reserve(static_cast<std::size_t>(steps));
  for (std::int64_t t = 0; t < steps; ++t) out.push_back(seq.select(0, t));
  return out;
}

// Each step projects its own input (a GEMM of the batch's rows) rather than slicing one
// projection of the whole sequence: the backward of a slice is a zero-filled tensor of the
// whole sliced shape, so T slices of a (T, B, 3H) projection cost O(T^2 B H) in backward (a
// quarter of a GRU epoch's time at T = 28, and a thread fork per fill), while per-step
// projections cost O(T B H). Likewise a layer reads the previous layer's step outputs directly.
std::pair<Tensor, Tensor> GRU::forward(const Tensor& input, const Tensor& h0) {
  bool batched = true;
  Tensor x = to_time_major(input, batched);
  Tensor h_init = initial_state(h0, x, batched, "hx");
  const std::int64_t steps = x.size(0), hs = options.hidden_size;
  std::vector<Tensor> h_n, outs;
  for (std::int64_t l = 0; l < options.num_layers; ++l) {
    std::vector<Tensor> in = layer_inputs(x, std::move(outs), l);
    LayerParams p = layer(l);
    Tensor h = h_init.select(0, l);
    outs.clear();
    outs.reserve(static_cast<std::size_t>(steps));
    for (std::int64_t t = 0; t < steps; ++t) {
      Tensor gi = functional::linear(in[static_cast<std::size_t>(t)], p.w_ih, p.b_ih);
      Tensor gh = functional::linear(h, p.w_hh, p.b_hh);
      // r and z in one sigmoid over the first 2H gate columns.
      Tensor rz = (gi.narrow(1, 0, 2 * hs) + gh.narrow(1, 0, 2 * hs)).sigmoid();
      Tensor r = rz.narrow(1, 0, hs), z = rz.narrow(1, hs, hs);
      Tensor n = (gi.narrow(1, 2 * hs, hs) + r * gh.narrow(1, 2 * hs, hs)).tanh();
      h = n + z * (h - n);  // (1 - z) * n + z * h
      outs.push_back(h);
    }
    h_n.push_back(h);
  }
  Tensor hn = stack(h_n, 0);
  return {from_time_major(stack(outs, 0), batched), batched ? hn : hn.squeeze(1)};
}

Tensor GRU::forward(const Tensor& input) { return forward(input, Tensor()).first; }

// ---- LSTM ---------------------------------------------------------------------------------

LSTM::LSTM(const RNNOptions& opts) : RNNBase("LSTM", opts, 4) {}
LSTM::LSTM(std::int64_t input_size, std::int64_t hidden_size, std::int64_t num_layers)
    : LSTM(RNNOptions{input_size, hidden_size, num_layers}) {}

std::pair<Tensor, LSTMState> LSTM::forward(const Tensor& input, const LSTMState& state) {
  KEEL_CHECK(state.h.defined() == state.c.defined(), "LSTM: give both h0 and c0, or neither");
  bool batched = true;
  Tensor x = to_time_major(input, batched);
  Tensor h_init = initial_state(state.h, x, batched, "h0");
  Tensor c_init = initial_state(state.c, x, batched, "c0");
  const std::int64_t steps = x.size(0), hs = options.hidden_size;
  std::vector<Tensor> h_n, c_n, outs;
  for (std::int64_t l = 0; l < options.num_layers; ++l) {
    std::vector<Tensor> in = layer_inputs(x, std::move(outs), l);
    LayerParams p = layer(l);
    Tensor h = h_init.select(0, l), c = c_init.select(0, l);
    outs.clear();
    outs.reserve(static_cast<std::size_t>(steps));
    for (std::int64_t t = 0; t < steps; ++t) {
      Tensor gates = functional::linear(in[static_cast<std::size_t>(t)], p.w_ih, p.b_ih) +
                     functional::linear(h, p.w_hh, p.b_hh);
      Tensor i = gates.narrow(1, 0, hs).sigmoid();
      Tensor f = gates.narrow(1, hs, hs).sigmoid();
      Tensor g = gates.narrow(1, 2 * hs, hs).tanh();
      Tensor o = gates.narrow(1, 3 * hs, hs).sigmoid();
      c = f * c + i * g;
      h = o * c.tanh();
      outs.push_back(h);
    }
    h_n.push_back(h);
    c_n.push_back(c);
  }
  Tensor hn = stack(h_n, 0), cn = stack(c_n, 0);
  if (!batched) {
    hn = hn.squeeze(1);
    cn = cn.squeeze(1);
  }
  return {from_time_major(stack(outs, 0), batched), LSTMState{hn, cn}};
}

Tensor LSTM::forward(const Tensor& input) { return forward(input, LSTMState{}).first; }

}  // namespace keel::nn
