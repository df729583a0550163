#pragma once
// Recurrent layers (torch.nn.GRU, torch.nn.LSTM) with PyTorch 1.13's gate order, parameter
// names (weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, then _l1, ...) and shapes, so
// state_dicts move between keel and PyTorch. Built from differentiable ops (linear, sigmoid,
// tanh, mul, add, narrow, stack): the backward is autograd's backpropagation through time.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "keel/nn/module.h"

namespace keel::nn {

// Options shared by GRU and LSTM, named as PyTorch's constructor arguments.
struct RNNOptions {
  std::int64_t input_size = 0;
  std::int64_t hidden_size = 0;
  std::int64_t num_layers = 1;
  bool bias = true;
  bool batch_first = false;    // input and output (batch, seq, feature) instead of (seq, batch, feature)
  double dropout = 0.0;        // on the outputs of every layer but the last, in training mode
  bool bidirectional = false;  // not supported: refused with an error
};

// The common part: parameters, their PyTorch initialization U(-1/sqrt(H), 1/sqrt(H)), the
// layout of the input, and printing. gate_count is 3 (GRU) or 4 (LSTM).
class RNNBase : public Module {
 public:
  void reset_parameters();
  std::string extra_repr() const override;

  const RNNOptions options;

 protected:
  RNNBase(const std::string& type_name, const RNNOptions& options, std::int64_t gate_count);
  // The parameters of layer l, looked up by name so that a tensor put in their place with
  // param() is the one the forward uses.
  struct LayerParams {
    Tensor w_ih, w_hh, b_ih, b_hh;
  };
  LayerParams layer(std::int64_t l);
  // The input as (seq, batch, feature); `batched` says whether it had a batch dimension.
  Tensor to_time_major(const Tensor& input, bool& batched) const;
  // A given initial state (num_layers, batch, hidden) (or unbatched (num_layers, hidden)), or zeros.
  Tensor initial_state(const Tensor& given, const Tensor& x, bool batched, const char* what) const;
  // The layer output (seq, batch, hidden) back to the caller's layout.
  Tensor from_time_major(const Tensor& out, bool batched) const;
  Tensor inter_layer_dropout(const Tensor& x);
  // Layer l's input at each step: the steps of the time-major input x for the first layer, else
  // the previous layer's step outputs (after the inter-layer dropout when it applies).
  std::vector<Tensor> layer_inputs(const Tensor& x, std::vector<Tensor> previous, std::int64_t l);
};

// torch.nn.GRU: r = sigmoid(W_ir x + b_ir + W_hr h + b_hr), z likewise, n = tanh(W_in x + b_in +
// r * (W_hn h + b_hn)), h' = (1 - z) * n + z * h; gates stacked (r, z, n) in the weights.
class GRU : public RNNBase {
 public:
  explicit GRU(const RNNOptions& options);
  GRU(std::int64_t input_size, std::int64_t hidden_size, std::int64_t num_layers = 1);
  // (output, h_n): output (seq, batch, hidden) (batch first if so configured), h_n
  // (num_layers, batch, hidden); 2-D input (seq, feature) is one unbatched sequence. h0 may be
  // undefined (zeros).
  std::pair<Tensor, Tensor> forward(const Tensor& input, const Tensor& h0);
  // The output alone, so a GRU can sit in a Sequential.
  Tensor forward(const Tensor& input) override;
};

// The LSTM state (h, c), each (num_layers, batch, hidden).
struct LSTMState {
  Tensor h, c;
};

// torch.nn.LSTM: gates stacked (i, f, g, o) in the weights; c' = f * c + i * g,
// h' = o * tanh(c').
class LSTM : public RNNBase {
 public:
  explicit LSTM(const RNNOptions& options);
  LSTM(std::int64_t input_size, std::int64_t hidden_size, std::int64_t num_layers = 1);
  // (output, (h_n, c_n)); an undefined state (or undefined h and c) starts from zeros.
  std::pair<Tensor, LSTMState> forward(const Tensor& input, const LSTMState& state);
  Tensor forward(const Tensor& input) override;
};

}  // namespace keel::nn
