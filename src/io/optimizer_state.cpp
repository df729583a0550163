#include "keel/io/optimizer_state.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

namespace keel::io {
namespace {

using json = nlohmann::json;

// JSON has no NaN or infinity; such option values travel as strings.
json encode_number(double v) {
  if (std::isfinite(v)) return v;
  return std::isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf");
}

bool decode_number(const json& v, double& out) {
  if (v.is_number())
    out = v.get<double>();
  else if (v == "nan")
    out = std::numeric_limits<double>::quiet_NaN();
  else if (v == "inf")
    out = std::numeric_limits<double>::infinity();
  else if (v == "-inf")
    out = -std::numeric_limits<double>::infinity();
  else
    return false;
  return true;
}

std::string tensor_key(std::int64_t index, const std::string& buffer) {
  return "state." + std::to_string(index) + "." + buffer;
}

}  // namespace

EncodedOptimizerState encode_optimizer_state(const optim::OptimizerState& state,
                                             const std::string& optimizer_name) {
  EncodedOptimizerState out;
  json groups = json::array();
  for (const auto& g : state.param_groups) {
    json options = json::object();
    for (const auto& [k, v] : g.options) options[k] = encode_number(v);
    groups.push_back({{"options", options}, {"params", g.params}});
  }
  json states = json::object();
  for (const auto& [index, s] : state.state) {
    json buffers = json::array(), undefined = json::array();
    for (const auto& [name, t] : s.buffers) {
      if (t.defined()) {
        buffers.push_back(name);
        out.tensors.emplace_back(tensor_key(index, name), t);
      } else {
        undefined.push_back(name);  // PyTorch's None, e.g. a momentum buffer not yet made
      }
    }
    states[std::to_string(index)] = {{"step", s.step}, {"buffers", buffers}, {"undefined", undefined}};
  }
  out.json = json{{"name", optimizer_name}, {"param_groups", groups}, {"state", states}}.dump();
  return out;
}

optim::OptimizerState decode_optimizer_state(const NamedTensors& tensors, const std::string& text,
                                             const std::string& optimizer_name, const std::string& file) {
  auto fail = [&](const auto&... parts) { detail::fail("optimizer state in '", file, "': ", parts...); };
  optim::OptimizerState out;
  std::set<std::string> used;
  try {
    json j = json::parse(text);
    std::string name = j.at("name").get<std::string>();
    if (name != optimizer_name) fail("it was written by ", name, ", but the optimizer is ", optimizer_name);
    for (const json& g : j.at("param_groups")) {
      optim::OptimizerState::Group group;
      for (const auto& [k, v] : g.at("options").items())
        if (!decode_number(v, group.options[k])) fail("option '", k, "' must be a number, got ", v.dump());
      group.params = g.at("params").get<std::vector<std::int64_t>>();
      out.param_groups.push_back(std::move(group));
    }
    for (const auto& [key, s] : j.at("state").items()) {
      std::size_t pos = 0;
      std::int64_t index = std::stoll(key, &pos);
      if (pos != key.size()) fail("bad parameter index '", key, "'");
      optim::ParamState ps;
      ps.step = s.at("step").get<std::int64_t>();
      for (const json& b : s.at("buffers")) {
        std::string tname = tensor_key(index, b.get<std::string>());
        auto it =
            std::find_if(tensors.begin(), tensors.end(), [&](const auto& kv) { return kv.first == tname; });
        if (it == tensors.end()) fail("tensor '", tname, "' is missing");
        used.insert(tname);
        ps.buffers.emplace(b.get<std::string>(), it->second);
      }
      for (const json& b : s.at("undefined")) ps.buffers.emplace(b.get<std::string>(), Tensor());
      out.state.emplace(index, std::move(ps));
    }
  } catch (const json::exception& e) {
    fail("malformed: ", e.what());
  } catch (const std::logic_error& e) {  // std::stoll
    fail("malformed parameter index: ", e.what());
  }
  for (const auto& [name, t] : tensors)
    if (!used.count(name)) fail("unexpected tensor '", name, "'");
  return out;
}

}  // namespace keel::io
