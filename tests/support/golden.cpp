#include "support/golden.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "support/gradcheck.h"

namespace keel::testing {

namespace {
double number(const nlohmann::json& v) {
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    if (s == "nan") return NAN;
    return s == "inf" ? INFINITY : -INFINITY;
  }
  if (v.is_boolean()) return v.get<bool>() ? 1.0 : 0.0;
  return v.get<double>();
}

DType parse_dtype(const std::string& s) {
  if (s == "float32") return kFloat32;
  if (s == "float64") return kFloat64;
  if (s == "int64") return kInt64;
  if (s == "bool") return kBool;
  throw Error("golden: unknown dtype " + s);
}

// Compares allowing NaN == NaN and inf == inf.
std::string compare(const Tensor& got, const Tensor& want, double atol, double rtol) {
  std::ostringstream os;
  if (got.sizes() != want.sizes()) {
    os << "shape " << got.sizes() << " vs expected " << want.sizes();
    return os.str();
  }
  Tensor g = got.detach().to(kFloat64).contiguous(), w = want.to(kFloat64).contiguous();
  const double* pg = g.data_ptr<double>();
  const double* pw = w.data_ptr<double>();
  for (std::int64_t i = 0; i < g.numel(); ++i) {
    double a = pg[i], b = pw[i];
    if (std::isnan(b) ? std::isnan(a) : (a == b || std::fabs(a - b) <= atol + rtol * std::fabs(b))) continue;
    os << "element " << i << ": got " << a << ", expected " << b;
    return os.str();
  }
  return "";
}
}  // namespace

Tensor tensor_from_json(const nlohmann::json& j) {
  std::vector<std::int64_t> shape = j.at("shape").get<std::vector<std::int64_t>>();
  std::vector<double> data;
  for (const auto& v : j.at("data")) data.push_back(number(v));
  Tensor t = from_vector(data, Dims{static_cast<std::int64_t>(data.size())}).reshape(Dims(shape));
  return t.to(parse_dtype(j.at("dtype").get<std::string>())).contiguous();
}

std::vector<GoldenCase> load_golden(const std::string& family) {
  std::string path = std::string(KEEL_GOLDEN_DIR) + "/" + family + ".json";
  std::ifstream in(path);
  if (!in) throw Error("golden: cannot open " + path);
  nlohmann::json doc = nlohmann::json::parse(in);
  std::vector<GoldenCase> cases;
  for (const auto& c : doc.at("cases")) {
    GoldenCase gc;
    gc.name = c.at("name");
    gc.op = c.at("op");
    gc.args = c.value("args", nlohmann::json::object());
    auto rg = c.at("requires_grad");
    for (std::size_t i = 0; i < c.at("inputs").size(); ++i) {
      Tensor t = tensor_from_json(c["inputs"][i]).clone();
      if (rg[i].get<bool>()) t.requires_grad_();
      gc.inputs.push_back(t);
    }
    gc.output = tensor_from_json(c.at("output"));
    if (c.contains("grad_output")) {
      gc.grad_output = tensor_from_json(c["grad_output"]);
      for (const auto& g : c.at("grads")) gc.grads.push_back(g.is_null() ? Tensor() : tensor_from_json(g));
    }
    if (c.contains("atol")) gc.atol = c["atol"];
    if (c.contains("rtol")) gc.rtol = c["rtol"];
    cases.push_back(std::move(gc));
  }
  return cases;
}

namespace {

// Runs one case through op: the forward value, then every input gradient for the recorded
// upstream gradient. Returns false (after failing the current test) when the op throws.
bool check_case(GoldenCase& c, const GoldenOp& op) {
  Tensor out;
  try {
    out = op(c.inputs, c.args);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "forward threw: " << e.what();
    return false;
  }
  EXPECT_EQ(out.dtype(), c.output.dtype()) << "dtype";
  std::string msg = compare(out, c.output, c.atol, c.rtol);
  EXPECT_TRUE(msg.empty()) << "forward: " << msg;
  if (c.grad_output.defined()) {
    try {
      out.backward(c.grad_output.to(out.dtype()));
    } catch (const std::exception& e) {
      ADD_FAILURE() << "backward threw: " << e.what();
      return false;
    }
    for (std::size_t i = 0; i < c.grads.size(); ++i) {
      if (!c.grads[i].defined()) continue;
      Tensor g = c.inputs[i].grad();
      if (!g.defined()) {
        // keel leaves a gradient undefined where it is zero by definition (what fill_ or copy_
        // overwrote); PyTorch records zeros there. Any nonzero expected value still fails.
        EXPECT_EQ(c.grads[i].abs().max().item(), 0.0) << "input " << i << " got no gradient";
        continue;
      }
      std::string gm = compare(g, c.grads[i], c.atol, c.rtol);
      EXPECT_TRUE(gm.empty()) << "grad of input " << i << ": " << gm;
    }
  }
  return true;
}

}  // namespace

int check_golden(const std::string& family, const std::map<std::string, GoldenOp>& ops) {
  int checked = 0;
  for (GoldenCase& c : load_golden(family)) {
    SCOPED_TRACE(family + "/" + c.name);
    auto it = ops.find(c.op);
    if (it == ops.end()) {
      ADD_FAILURE() << "no keel implementation registered for golden op '" << c.op << "'";
      continue;
    }
    if (check_case(c, it->second)) ++checked;
  }
  return checked;
}

bool check_golden_case(const std::string& family, const std::string& name, const GoldenOp& op) {
  SCOPED_TRACE(family + "/" + name);
  for (GoldenCase& c : load_golden(family)) {
    if (c.name != name) continue;
    EXPECT_TRUE(c.grad_output.defined()) << "the golden case records no gradients";
    return check_case(c, op) && c.grad_output.defined();
  }
  ADD_FAILURE() << "no golden case '" << name << "' in tests/golden/" << family << ".json";
  return false;
}

}  // namespace keel::testing
