#include "keel/train/memory_estimate.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "keel/core/error.h"

namespace keel::train {

namespace {

constexpr double kFloatBytes = 4.0;

// Parameters of a norm layer over `features` (affine weight and bias in every kind keel builds).
double norm_params(const Config& c, double features) {
  return c.get_string("model.norm") == "none" ? 0 : 2 * features;
}

// Tensors of the optimizer's state per parameter (SGD's momentum buffer, Adam's two moments, ...).
double optimizer_states(const Config& c) {
  const std::string& name = c.get_string("optim.name");
  if (name == "adam" || name == "adamw") return 2;
  if (name == "rmsprop") return c.get_double("optim.momentum") > 0 ? 2 : 1;
  if (name == "adagrad") return 1;
  return c.get_double("optim.momentum") > 0 ? 1 : 0;
}

std::string gib(double bytes) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3g GiB", bytes / (1024.0 * 1024.0 * 1024.0));
  return buf;
}

std::string ints_text(const std::vector<std::int64_t>& h) {
  std::ostringstream os;
  os << '[';
  for (std::size_t i = 0; i < h.size(); ++i) os << (i ? ", " : "") << h[i];
  os << ']';
  return os.str();
}

}  // namespace

MemoryEstimate estimate_memory(const Config& c, std::int64_t in_features, std::int64_t classes,
                               std::int64_t batch) {
  // Doubles: the products of large widths must not overflow before they are compared.
  double params = 0, activations = 0;  // activations: values per sample kept for backward
  const bool norm = c.get_string("model.norm") != "none", dropout = c.get_double("model.dropout") > 0;
  // Per hidden unit: the Linear's output, the norm's output, the activation's, dropout's output and mask.
  const double per_unit = 2 + (norm ? 1 : 0) + (dropout ? 2 : 0);
  const auto k = static_cast<double>(classes);
  const std::string& arch = c.get_string("model.arch");
  if (arch == "gru" || arch == "lstm") {
    // 28 steps of 28 pixels; gate_count stacked gates per layer (GRU 3, LSTM 4), with both
    // biases. build_model refuses unequal widths; counting each entry keeps this exact otherwise.
    const double gates = arch == "gru" ? 3 : 4, steps = 28;
    double width = 28, hd = 0;
    for (std::int64_t h : c.get_ints("model.hidden")) {
      hd = static_cast<double>(h);
      params += gates * hd * (width + hd) + 2 * gates * hd;
      // Kept for backward per step: the input and hidden projections, the gate values and the new state.
      activations += steps * (3 * gates * hd + 2 * hd);
      width = hd;
    }
    params += norm_params(c, hd) + hd * k + k;
    activations += hd * per_unit;
  } else if (arch == "cnn") {
    double in_ch = 1, side = 28;
    for (std::int64_t ch : c.get_ints("model.channels")) {
      const auto out_ch = static_cast<double>(ch);
      params += in_ch * out_ch * 9 + out_ch + norm_params(c, out_ch);
      activations += out_ch * side * side * (2 + (norm ? 1 : 0)) + out_ch * side * side / 4;
      in_ch = out_ch;
      side = std::floor(side / 2);
    }
    params += in_ch * side * side * 128.0 + 128 + 128 * k + k;
    activations += 128 * per_unit;
  } else {
    double width = static_cast<double>(in_features);
    for (std::int64_t h : c.get_ints("model.hidden")) {
      const auto hd = static_cast<double>(h);
      params += width * hd + hd + norm_params(c, hd);
      activations += hd * per_unit;
      width = hd;
    }
    params += width * k + k;
  }
  activations += static_cast<double>(in_features) + 2 * k;
  MemoryEstimate e;
  e.parameters = static_cast<std::int64_t>(std::min(params, 9.2e18));
  e.model_bytes = params * kFloatBytes * (2 + optimizer_states(c));  // weights, gradients, state
  e.batch_bytes = activations * static_cast<double>(batch) * kFloatBytes;
  return e;
}

double available_memory_bytes() {
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  double kib = 0;
  std::string unit;
  while (meminfo >> key >> kib >> unit)
    if (key == "MemAvailable:") return kib * 1024.0;
  const long pages = sysconf(_SC_AVPHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0 ? static_cast<double>(pages) * static_cast<double>(page) : 0.0;
}

void check_memory(const Config& c, std::int64_t in_features, std::int64_t classes, std::int64_t batch) {
  const MemoryEstimate e = estimate_memory(c, in_features, classes, batch);
  const double available = available_memory_bytes();
  if (available <= 0 || e.total() <= available) return;
  const std::string& arch = c.get_string("model.arch");
  const std::string sizes =
      arch == "cnn" ? "model.arch = cnn with model.channels = " + ints_text(c.get_ints("model.channels"))
      : arch == "mlp"
          ? "model.hidden = " + ints_text(c.get_ints("model.hidden")) + " on " + std::to_string(in_features) +
                " input features"
          : "model.arch = " + arch + " with model.hidden = " + ints_text(c.get_ints("model.hidden"));
  keel::detail::fail(
      "not enough memory: ", sizes, " with batches of ", batch,
      " samples (train.batch_size = ", c.get_int("train.batch_size"),
      ", train.eval_batch_size = ", c.get_int("train.eval_batch_size"), ") needs at least ", gib(e.total()),
      " (", e.parameters, " parameters with gradients and optimizer state: ", gib(e.model_bytes),
      "; one batch's activations: ", gib(e.batch_bytes), "), but this machine has ", gib(available),
      " available; reduce ", arch == "cnn" ? "model.channels" : "model.hidden", " or the batch sizes");
}

}  // namespace keel::train
