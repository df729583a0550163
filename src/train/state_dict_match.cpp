#include "keel/train/state_dict_match.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <sstream>

#include "keel/core/error.h"
#include "keel/io/checkpoint.h"

namespace keel::train {

namespace {

// One numbered layer of a Sequential's state_dict: its number and its entries (name after the
// number, shape), in the order given.
struct Layer {
  std::int64_t index = 0;
  std::vector<std::pair<std::string, Dims>> entries;
  std::vector<std::size_t> positions;  // of the entries in the state_dict
};

bool all_digits(const std::string& s) {
  return !s.empty() && s.size() < 18 &&
         std::all_of(s.begin(), s.end(), [](unsigned char ch) { return std::isdigit(ch) != 0; });
}

// Groups a state_dict by layer number, sorted by number (writers may order keys differently).
// False when a key does not start with a number.
bool layers_of(const nn::StateDict& state, std::vector<Layer>& out) {
  std::map<std::int64_t, Layer> by_index;
  for (std::size_t i = 0; i < state.size(); ++i) {
    const std::string& key = state[i].first;
    const auto dot = key.find('.');
    if (dot == std::string::npos || !all_digits(key.substr(0, dot))) return false;
    Layer& layer = by_index[std::stoll(key.substr(0, dot))];
    layer.index = std::stoll(key.substr(0, dot));
    layer.entries.emplace_back(key.substr(dot + 1), state[i].second.sizes());
    layer.positions.push_back(i);
  }
  out.clear();
  for (auto& [index, layer] : by_index) out.push_back(std::move(layer));
  return true;
}

bool same_entries(const Layer& a, const Layer& b) {
  auto sorted = [](std::vector<std::pair<std::string, Dims>> v) {
    std::sort(v.begin(), v.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
    return v;
  };
  return sorted(a.entries) == sorted(b.entries);
}

// A wrapper module's attribute name ("net.0.weight") is dropped when every key has it.
nn::StateDict without_common_prefix(nn::StateDict state) {
  if (state.empty()) return state;
  const std::string& first = state.front().first;
  const auto dot = first.find('.');
  if (dot == std::string::npos || all_digits(first.substr(0, dot))) return state;
  const std::string prefix = first.substr(0, dot + 1);
  for (const auto& [key, t] : state)
    if (key.compare(0, prefix.size(), prefix) != 0) return state;
  for (auto& [key, t] : state) key = key.substr(prefix.size());
  return state;
}

std::string shape_text(const Dims& d) {
  std::ostringstream os;
  os << d;
  return os.str();
}

// The rows of one side of the table, layer by layer.
std::vector<std::string> rows_of(const nn::StateDict& state) {
  std::vector<Layer> layers;
  std::vector<std::string> rows;
  if (layers_of(state, layers)) {
    for (const Layer& l : layers)
      for (const auto& [name, dims] : l.entries)
        rows.push_back(std::to_string(l.index) + "." + name + " " + shape_text(dims));
  } else {
    for (const auto& [key, t] : state) rows.push_back(key + " " + shape_text(t.sizes()));
  }
  return rows;
}

std::string side_by_side(const nn::StateDict& expected, const nn::StateDict& found) {
  const std::vector<std::string> left = rows_of(expected), right = rows_of(found);
  std::size_t width = std::string("expected (the configured model)").size();
  for (const auto& r : left) width = std::max(width, r.size());
  std::ostringstream os;
  auto row = [&](const std::string& a, const std::string& b) {
    os << "\n  " << a << std::string(width - a.size() + 3, ' ') << b;
  };
  row("expected (the configured model)", "found (the file)");
  for (std::size_t i = 0; i < std::max(left.size(), right.size()); ++i)
    row(i < left.size() ? left[i] : "-", i < right.size() ? right[i] : "-");
  return os.str();
}

bool has(const Layer& l, const std::string& name, int dims) {
  return std::any_of(l.entries.begin(), l.entries.end(),
                     [&](const auto& e) { return e.first == name && e.second.size() == dims; });
}

}  // namespace

std::string config_for_state(const nn::StateDict& state) {
  std::vector<Layer> layers;
  if (!layers_of(without_common_prefix(state), layers)) return "";
  std::vector<Dims> linears;
  std::string norm = "none";
  bool conv = false;
  std::string channels;   // the Conv2d layers' output channels, "32,64"
  std::string recurrent;  // "model.arch=gru model.hidden=..." of a GRU/LSTM layer
  for (const Layer& l : layers) {
    auto entry = [&](const std::string& name) {
      return std::find_if(l.entries.begin(), l.entries.end(), [&](const auto& e) { return e.first == name; });
    };
    if (entry("weight_ih_l0") != l.entries.end()) {
      // PyTorch's GRU/LSTM: weight_hh_l0 is (gates * H, H); GRU stacks 3 gates, LSTM 4.
      auto hh = entry("weight_hh_l0");
      if (!recurrent.empty() || hh == l.entries.end() || hh->second.size() != 2 || hh->second[1] <= 0)
        return "";
      const std::int64_t h = hh->second[1], gates = hh->second[0] / h;
      if (hh->second[0] % h != 0 || (gates != 3 && gates != 4)) return "";
      std::string hidden;
      for (int k = 0; entry("weight_ih_l" + std::to_string(k)) != l.entries.end(); ++k)
        hidden += (k ? "," : "") + std::to_string(h);
      recurrent = std::string("model.arch=") + (gates == 3 ? "gru" : "lstm") + " model.hidden=" + hidden;
      continue;
    }
    auto weight =
        std::find_if(l.entries.begin(), l.entries.end(), [](const auto& e) { return e.first == "weight"; });
    if (weight == l.entries.end()) return "";
    if (weight->second.size() == 4) {
      conv = true;
      channels += (channels.empty() ? "" : ",") + std::to_string(weight->second[0]);
    } else if (weight->second.size() == 2) {
      linears.push_back(weight->second);
    } else if (has(l, "weight", 1) && has(l, "bias", 1)) {
      // BatchNorm keeps running statistics; LayerNorm and GroupNorm have the same affine shapes.
      norm = has(l, "running_mean", 1) ? "batch" : "layer (or group)";
    } else {
      return "";
    }
  }
  if (linears.empty()) return "";
  const std::string classes = std::to_string(linears.back()[0]) + " classes)";
  if (!recurrent.empty()) return conv ? "" : recurrent + " model.norm=" + norm + " (" + classes;
  if (conv) {
    // The defaults' channels stay unsaid, as before model.channels existed.
    const std::string width = channels == "32,64" ? "" : " model.channels=" + channels;
    return "model.arch=cnn" + width + " model.norm=" + norm + " (" + classes;
  }
  std::string hidden;
  for (std::size_t i = 0; i + 1 < linears.size(); ++i)
    hidden += (i ? "," : "") + std::to_string(linears[i][0]);
  return "model.arch=mlp model.hidden=" + (hidden.empty() ? "[]" : hidden) + " model.norm=" + norm + " (" +
         std::to_string(linears.front()[1]) + " input features, " + classes;
}

nn::StateDict match_state_dict(const nn::StateDict& expected, nn::StateDict found,
                               const std::string& source) {
  auto same_keys_and_shapes = [&](const nn::StateDict& s) {
    if (s.size() != expected.size()) return false;
    for (const auto& [key, t] : expected) {
      auto it = std::find_if(s.begin(), s.end(), [&](const auto& kv) { return kv.first == key; });
      if (it == s.end() || it->second.sizes() != t.sizes()) return false;
    }
    return true;
  };
  if (same_keys_and_shapes(found)) return found;
  nn::StateDict stripped = without_common_prefix(found);
  if (same_keys_and_shapes(stripped)) return stripped;

  std::vector<Layer> want, have;
  if (layers_of(expected, want) && layers_of(stripped, have) && want.size() == have.size() &&
      std::equal(want.begin(), want.end(), have.begin(), same_entries)) {
    for (std::size_t l = 0; l < have.size(); ++l)
      for (std::size_t e = 0; e < have[l].entries.size(); ++e)
        stripped[have[l].positions[e]].first = std::to_string(want[l].index) + "." + have[l].entries[e].first;
    return stripped;
  }

  std::ostringstream os;
  os << "cannot load '" << source << "': its tensors do not match the configured model, layer by layer"
     << side_by_side(expected, stripped);
  const std::string want_config = config_for_state(expected), have_config = config_for_state(stripped);
  if (!have_config.empty()) {
    os << "\nthe file holds the model of --set " << have_config;
    if (!want_config.empty()) os << "\nthe configuration builds " << want_config;
  } else {
    os << "\nthe file's tensors are not a model keel builds (an MLP, the CNN or a GRU/LSTM of model.arch)";
  }
  throw Error(os.str());
}

io::Metadata load_weights(const std::string& path, nn::Module& model) {
  io::SafetensorsContents file = io::load_safetensors(path);
  io::verify_checksum(path, file);
  auto content = file.metadata.find(io::kContentKey);
  if (content != file.metadata.end() && content->second == "training_state")
    return io::load_checkpoint(path, model);
  nn::StateDict state = match_state_dict(model.state_dict(), std::move(file.tensors), path);
  try {
    model.load_state_dict(state, true);
  } catch (const Error& e) {
    keel::detail::fail("cannot load '", path, "': ", e.what());
  }
  return std::move(file.metadata);
}

}  // namespace keel::train
