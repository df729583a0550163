#pragma once
// The whole training steps of the performance issue, described once for every library:
// tiny_mlp_step, mlp_step and cnn_step, each one full SGD step (zero_grad, forward,
// CrossEntropyLoss, backward, clip_grad_norm_(1.0), SGD lr 0.01 momentum 0.9 wd 5e-4) on a
// random batch. keel_models.h and torch_models.h build the models from these specs;
// bench/e2e/torch_common.py mirrors them for PyTorch, which cannot include this header.
#include <cstdint>
#include <string>
#include <vector>

namespace bench {

enum class StepModel { kMlp, kCnn };

struct StepSpec {
  std::string key;        // report key: tiny_mlp_step, mlp_step, cnn_step
  std::string short_key;  // command-line key: tiny, mlp, cnn
  std::string name;       // table label
  StepModel model;
  std::vector<std::int64_t> mlp_widths;   // in, h1, h2 (MLPs only)
  std::vector<std::int64_t> input_shape;  // batch first
  std::int64_t batch() const { return input_shape[0]; }
};

// tiny_mlp_step, mlp_step, cnn_step, in that order.
inline const std::vector<StepSpec>& step_specs() {
  static const std::vector<StepSpec> specs = {
      {"tiny_mlp_step",
       "tiny",
       "tiny_mlp_step 32-64-64-10, batch 32",
       StepModel::kMlp,
       {32, 64, 64},
       {32, 32}},
      {"mlp_step", "mlp", "mlp_step 784-512-256-10, batch 128", StepModel::kMlp, {784, 512, 256}, {128, 784}},
      {"cnn_step", "cnn", "cnn_step, batch 64", StepModel::kCnn, {}, {64, 1, 28, 28}},
  };
  return specs;
}

// The spec with this key or short key; nullptr when there is none.
inline const StepSpec* find_step_spec(const std::string& key) {
  for (const StepSpec& s : step_specs())
    if (s.key == key || s.short_key == key) return &s;
  return nullptr;
}

}  // namespace bench
