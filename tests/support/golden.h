#pragma once
// Replays golden cases that tests/golden/gen_<family>.py recorded with PyTorch.
#include <keel/keel.h>

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace keel::testing {

struct GoldenCase {
  std::string name;
  std::string op;
  nlohmann::json args;
  std::vector<Tensor> inputs;  // fresh leaves; requires_grad set as in PyTorch
  Tensor output;
  Tensor grad_output;         // undefined when the case has no backward
  std::vector<Tensor> grads;  // undefined where PyTorch had none
  double atol = 1e-5, rtol = 1e-4;
};

std::vector<GoldenCase> load_golden(const std::string& family);
Tensor tensor_from_json(const nlohmann::json& j);

// keel's implementation of a golden op: inputs and the case's args -> output.
using GoldenOp = std::function<Tensor(const std::vector<Tensor>&, const nlohmann::json&)>;

// Runs every case of the family through `ops`: forward values, then every input gradient
// for the recorded upstream gradient. Fails the current test on a mismatch, and on a case
// whose op is missing from `ops`. Returns the number of cases checked.
int check_golden(const std::string& family, const std::map<std::string, GoldenOp>& ops);

// Runs the one case `name` of the family through op, as check_golden does, and also fails
// when the case is missing or records no gradients. Returns true when it ran to the end.
bool check_golden_case(const std::string& family, const std::string& name, const GoldenOp& op);

}  // namespace keel::testing
