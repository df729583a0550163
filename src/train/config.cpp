#include "keel/train/config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "keel/core/error.h"
#include "keel/core/nearest.h"
#include "text_format.h"

namespace keel::train {

namespace {

// Normalize: "dataset", "none" or [mean, std] (data.normalize). Range: [lo, hi], lo <= hi.
enum class Kind { Bool, Int, Double, String, Ints, Normalize, Range };

struct KeySpec {
  const char* key;
  Kind kind;
  ConfigValue def;
  const char* help;
  std::vector<std::string> choices = {};   // strings only; empty = any
  double min = -INFINITY, max = INFINITY;  // numbers, and each entry of a list (inclusive)
};

// The one table of keys. The defaults are the default MLP run of `keel train`.
const std::vector<KeySpec>& schema() {
  static const std::vector<KeySpec> s = {
      {"run.name", Kind::String, std::string(""),
       "run name; results go to <run.dir>/<run.name> (default: the config file's stem, or 'default')"},
      {"run.dir", Kind::String, std::string("runs"), "directory that holds the runs"},
      {"data.dataset", Kind::String, std::string("fashion-mnist"), "data set", {"fashion-mnist", "csv"}},
      {"data.dir", Kind::String, std::string("/usr/share/datasets/fashion-mnist"),
       "directory of the IDX files"},
      {"data.csv_train", Kind::String, std::string(""), "training CSV (data.dataset = csv)"},
      {"data.csv_test", Kind::String, std::string(""), "test CSV (data.dataset = csv)"},
      {"data.csv_label", Kind::String, std::string("label"), "name of the CSV label column"},
      {"data.val_fraction",
       Kind::Double,
       0.1,
       "share of the training set held out for validation",
       {},
       0.0,
       0.9},
      {"data.train_subset",
       Kind::Int,
       std::int64_t{0},
       "train on only this many images (0 = all); small subsets overfit",
       {},
       0,
       1e12},
      {"data.test_subset",
       Kind::Int,
       std::int64_t{0},
       "evaluate on only the first this many test images (0 = all)",
       {},
       0,
       1e12},
      {"data.normalize", Kind::Normalize, std::string("dataset"),
       "input preprocessing after scaling images to [0, 1] (pixels / 255): \"dataset\" (Fashion-MNIST's "
       "mean and std, 0.286 and 0.353; CSV data as read), \"none\", or [mean, std] for (x - mean) / std "
       "(mean in [-1e+06, 1e+06], std in [1e-06, 1e+06])"},
      {"data.augment", Kind::Bool, false, "random crop (padding 2) and horizontal flip of training images"},
      {"data.crop", Kind::Bool, false,
       "random crop alone (padding 2: shifts of up to 2 pixels each way) of training images, without "
       "data.augment's flip"},
      {"data.hflip", Kind::Bool, false,
       "horizontal flip alone (p = 0.5) of training images, without data.augment's random crop (which "
       "already flips); Fashion-MNIST's shoes all face one way, so its test set has no mirrored shoes and "
       "the flip cost the shipped configs accuracy (docs/benchmarks.md)"},
      {"data.erase",
       Kind::Double,
       0.0,
       "random erasing of training images (torchvision's RandomErasing(p, scale=(0.02, 0.33), ratio=(0.3, "
       "3.3), value=0), after the crop and flip): each image, with this probability p, gets a random "
       "rectangle set to the data set's mean pixel; 0 = off",
       {},
       0.0,
       1.0},
      {"data.test_jitter.contrast",
       Kind::Range,
       std::vector<double>{1.0, 1.0},
       "test images only: each image's pixels p (in [0, 1], before data.normalize) become c * p + b with c "
       "drawn uniformly from this [lo, hi] per image (seeded by train.seed; not clipped); [1, 1] = off",
       {},
       0.0,
       100.0},
      {"data.test_jitter.brightness",
       Kind::Range,
       std::vector<double>{0.0, 0.0},
       "test images only: the shift b of data.test_jitter.contrast, drawn uniformly from this [lo, hi] per "
       "image; [0, 0] = off",
       {},
       -100.0,
       100.0},
      {"model.arch",
       Kind::String,
       std::string("mlp"),
       "architecture: the MLP, the CNN, or a GRU/LSTM reading 28x28 images row by row (28 steps of 28 "
       "pixels, batch_first) with a Linear head on the last step's output",
       {"mlp", "cnn", "gru", "lstm"}},
      {"model.hidden",
       Kind::Ints,
       std::vector<std::int64_t>{512, 256},
       "hidden layer widths of the MLP (at most 64 layers); for gru/lstm one equal width per stacked "
       "recurrent layer (hidden_size, num_layers = entries)",
       {},
       1,
       kMaxWidth},
      {"model.channels",
       Kind::Ints,
       std::vector<std::int64_t>{32, 64},
       "output channels of the cnn's Conv2d(3x3)-norm-activation-MaxPool2d(2) blocks, one entry per block "
       "(1 to 4 blocks)",
       {},
       1,
       kMaxWidth},
      {"model.activation",
       Kind::String,
       std::string("relu"),
       "activation",
       {"relu", "sigmoid", "tanh", "gelu", "leaky_relu", "elu"}},
      {"model.norm",
       Kind::String,
       std::string("batch"),
       "normalization after each hidden layer (sync_batch: BatchNorm over the global batch of all "
       "mpirun ranks, BatchNorm in one process); instance (InstanceNorm2d) only for the cnn; gru/lstm "
       "take layer, batch or none (a LayerNorm or BatchNorm1d on the last step's output)",
       {"none", "batch", "sync_batch", "layer", "group", "instance"}},
      {"model.order",
       Kind::String,
       std::string("norm_dropout"),
       "where dropout sits in each MLP block: norm_dropout (Linear, norm, activation, dropout) or "
       "dropout_norm (Linear, dropout, norm, activation: the norm sees dropout's train-time variance)",
       {"norm_dropout", "dropout_norm"}},
      {"model.groups", Kind::Int, std::int64_t{8}, "groups of GroupNorm", {}, 1, kMaxWidth},
      {"model.dropout",
       Kind::Double,
       0.2,
       "dropout probability after each hidden layer (gru/lstm: between stacked layers and before the head)",
       {},
       0.0,
       1.0},
      {"model.init",
       Kind::String,
       std::string("kaiming"),
       "weight initialization",
       {"default", "constant", "uniform", "normal", "xavier", "kaiming", "orthogonal"}},
      {"model.init_value", Kind::Double, 0.05, "value of constant init"},
      {"model.init_std", Kind::Double, 1.0, "std of normal init, half-width of uniform init", {}, 0.0, 1e6},
      {"optim.name",
       Kind::String,
       std::string("sgd"),
       "optimizer",
       {"sgd", "adam", "adamw", "rmsprop", "adagrad"}},
      {"optim.lr", Kind::Double, 0.05, "learning rate", {}, 1e-12, 1e6},
      {"optim.momentum", Kind::Double, 0.9, "momentum (SGD, RMSprop)", {}, 0.0, 0.999999},
      {"optim.nesterov", Kind::Bool, false, "Nesterov momentum (SGD)"},
      {"optim.weight_decay",
       Kind::Double,
       5e-4,
       "weight decay (L2 inside the optimizer; decoupled in AdamW)",
       {},
       0.0,
       1e3},
      {"optim.beta1", Kind::Double, 0.9, "Adam beta1", {}, 0.0, 0.999999},
      {"optim.beta2", Kind::Double, 0.999, "Adam beta2", {}, 0.0, 0.999999},
      {"optim.schedule",
       Kind::String,
       std::string("cosine"),
       "learning-rate schedule",
       {"none", "step", "cosine", "onecycle"}},
      {"optim.step_size", Kind::Int, std::int64_t{5}, "epochs between decays (step schedule)", {}, 1, 1e9},
      {"optim.gamma", Kind::Double, 0.1, "decay factor (step schedule)", {}, 0.0, 1.0},
      {"reg.penalty",
       Kind::String,
       std::string("none"),
       "penalty added to the loss",
       {"none", "l1", "l2", "elastic_net"}},
      {"reg.lambda", Kind::Double, 1e-4, "penalty strength", {}, 0.0, 1e6},
      {"reg.alpha", Kind::Double, 0.5, "elastic net: alpha * L1 + (1 - alpha) * L2", {}, 0.0, 1.0},
      {"train.epochs", Kind::Int, std::int64_t{15}, "epochs", {}, 1, 1e6},
      {"train.batch_size",
       Kind::Int,
       std::int64_t{128},
       "mini-batch size (per rank under `mpirun -np N`: the global batch is N x this; scale optim.lr by N "
       "from a tuned 1-process run, with warm-up when N is large)",
       {},
       1,
       kMaxBatchSize},
      {"train.eval_batch_size",
       Kind::Int,
       std::int64_t{1000},
       "batch size for evaluation",
       {},
       1,
       kMaxBatchSize},
      {"train.clip_grad_norm", Kind::Double, 5.0, "clip the gradient norm to this (0 = off)", {}, 0.0, 1e12},
      {"train.label_smoothing", Kind::Double, 0.0, "label smoothing of the cross-entropy", {}, 0.0, 1.0},
      {"train.early_stopping_patience",
       Kind::Int,
       std::int64_t{0},
       "stop after this many epochs without val improvement (0 = off)",
       {},
       0,
       1e6},
      {"train.seed",
       Kind::Int,
       std::int64_t{0},
       "random seed (init, shuffling, dropout, split)",
       {},
       0,
       9.2e18},
      {"train.threads",
       Kind::Int,
       std::int64_t{0},
       "threads (0 = all cores; under `mpirun -np N`, per rank: 0 = the cores / N)",
       {},
       0,
       4096},
  };
  return s;
}

const KeySpec* find_spec(const std::string& key) {
  for (const auto& k : schema())
    if (key == k.key) return &k;
  return nullptr;
}

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::Bool:
      return "a boolean";
    case Kind::Int:
      return "an integer";
    case Kind::Double:
      return "a number";
    case Kind::String:
      return "a string";
    case Kind::Ints:
      return "a list of integers";
    case Kind::Normalize:
      return "\"dataset\", \"none\" or a list [mean, std]";
    case Kind::Range:
      return "a list [lo, hi] of two numbers";
  }
  return "?";
}

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

std::string unquote(std::string text) {
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"') text = text.substr(1, text.size() - 2);
  return text;
}

// A bound as the key's kind prints it: integers without a fraction, numbers in shortest form.
std::string bound_text(const KeySpec& spec, double v) {
  if ((spec.kind == Kind::Int || spec.kind == Kind::Ints) && std::isfinite(v) && std::fabs(v) < 9.3e18)
    return std::to_string(static_cast<std::int64_t>(v));
  return detail::round_trip(v);
}

// Whole-text parses: "12abc", "1.5" as an integer, hex and "nan" are not numbers here.
bool parse_int(const std::string& text, std::int64_t& out) {
  const char* end = text.data() + text.size();
  auto r = std::from_chars(text.data(), end, out);
  return r.ec == std::errc() && r.ptr == end && !text.empty();
}
bool parse_double(const std::string& text, double& out) {
  const char* end = text.data() + text.size();
  auto r = std::from_chars(text.data(), end, out, std::chars_format::general);
  return r.ec == std::errc() && r.ptr == end && !text.empty() && std::isfinite(out);
}

// The items of "[a, b]" or "a,b" (brackets optional, empty items dropped).
std::vector<std::string> list_items(const std::string& text) {
  std::string body = text;
  if (!body.empty() && body.front() == '[') body = body.substr(1);
  if (!body.empty() && body.back() == ']') body.pop_back();
  std::vector<std::string> out;
  std::stringstream ss(body);
  std::string item;
  while (std::getline(ss, item, ',')) {
    item = trim(item);
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

// Parses `text` as the key's kind and checks its range and choices.
ConfigValue parse_value(const KeySpec& spec, const std::string& raw, const std::string& where) {
  std::string text = trim(raw);
  auto bad = [&](const std::string& why) {
    keel::detail::fail(where, ": invalid value '", raw, "' for ", spec.key, ": ", why);
  };
  auto check_range = [&](double v) {
    if (!(v >= spec.min && v <= spec.max))
      bad("must be in [" + bound_text(spec, spec.min) + ", " + bound_text(spec, spec.max) + "]");
  };
  switch (spec.kind) {
    case Kind::Bool:
      if (text == "true" || text == "1") return true;
      if (text == "false" || text == "0") return false;
      bad("expected true or false");
      break;
    case Kind::Int: {
      std::int64_t v = 0;
      if (!parse_int(text, v)) bad("expected an integer");
      check_range(static_cast<double>(v));
      return v;
    }
    case Kind::Double: {
      double v = 0;
      if (!parse_double(text, v)) bad("expected a finite number");
      check_range(v);
      return v;
    }
    case Kind::String: {
      text = unquote(text);
      if (!spec.choices.empty() &&
          std::find(spec.choices.begin(), spec.choices.end(), text) == spec.choices.end()) {
        std::string list;
        for (const auto& c : spec.choices) list += (list.empty() ? "" : ", ") + c;
        bad("expected one of " + list);
      }
      return text;
    }
    case Kind::Ints: {
      std::vector<std::int64_t> out;
      for (const auto& item : list_items(text)) {
        std::int64_t v = 0;
        if (!parse_int(item, v) || v <= 0) bad("expected a list of positive integers like 512,256");
        check_range(static_cast<double>(v));
        out.push_back(v);
      }
      if (static_cast<std::int64_t>(out.size()) > kMaxLayers)
        bad("at most " + std::to_string(kMaxLayers) + " entries");
      return out;
    }
    case Kind::Normalize: {
      std::string name = unquote(text);
      if (name == "dataset" || name == "none") return name;
      std::vector<double> out;
      for (const auto& item : list_items(text)) {
        double v = 0;
        if (!parse_double(item, v)) bad(std::string("expected ") + kind_name(spec.kind));
        out.push_back(v);
      }
      if (out.size() != 2) bad(std::string("expected ") + kind_name(spec.kind));
      // Bounds that keep (x - mean) / std finite and meaningful for inputs in [0, 1].
      if (!(std::fabs(out[0]) <= 1e6)) bad("the mean (first entry) must be in [-1e+06, 1e+06]");
      if (!(out[1] >= 1e-6 && out[1] <= 1e6)) bad("the std (second entry) must be in [1e-06, 1e+06]");
      return out;
    }
    case Kind::Range: {
      std::vector<double> out;
      for (const auto& item : list_items(text)) {
        double v = 0;
        if (!parse_double(item, v)) bad(std::string("expected ") + kind_name(spec.kind));
        check_range(v);
        out.push_back(v);
      }
      if (out.size() != 2) bad(std::string("expected ") + kind_name(spec.kind));
      if (out[0] > out[1]) bad("lo (first entry) must not exceed hi (second entry)");
      return out;
    }
  }
  return text;
}

std::string value_text(const ConfigValue& v) {
  std::ostringstream os;
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, bool>) {
          os << (x ? "true" : "false");
        } else if constexpr (std::is_same_v<T, std::string>) {
          os << '"' << x << '"';
        } else if constexpr (std::is_same_v<T, std::vector<std::int64_t>>) {
          os << '[';
          for (std::size_t i = 0; i < x.size(); ++i) os << (i ? ", " : "") << x[i];
          os << ']';
        } else if constexpr (std::is_same_v<T, std::vector<double>>) {
          os << '[';
          for (std::size_t i = 0; i < x.size(); ++i) os << (i ? ", " : "") << detail::round_trip(x[i]);
          os << ']';
        } else if constexpr (std::is_same_v<T, double>) {
          // Shortest text that reads back the same; TOML needs a '.' or an exponent for a float.
          std::string s = detail::round_trip(x);
          os << s << (s.find_first_of(".eEn") == std::string::npos ? ".0" : "");
        } else {
          os << x;
        }
      },
      v);
  return os.str();
}

// Text of a TOML leaf as parse_value reads it (after check_toml_type accepted its type).
std::string toml_leaf_text(const toml::node& n) {
  if (auto s = n.as_string()) return s->get();
  if (auto b = n.as_boolean()) return b->get() ? "true" : "false";
  if (auto i = n.as_integer()) return std::to_string(i->get());
  if (auto f = n.as_floating_point()) return detail::round_trip(f->get());
  if (auto a = n.as_array()) {
    std::string out;
    for (const auto& e : *a) out += (out.empty() ? "" : ",") + toml_leaf_text(e);
    return "[" + out + "]";
  }
  return "?";
}

const char* toml_type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::array:
      return "a list";
    case toml::node_type::table:
      return "a table";
    default:
      return "a date or time";
  }
}

bool is_number(const toml::node& n) { return n.is_integer() || n.is_floating_point(); }

// A TOML value must have the key's type: epochs = "1" is a string and hidden = 512 is not a
// list, whatever their text would parse as. (--set values have no type and are parsed as text.)
void check_toml_type(const KeySpec& spec, const toml::node& n, const std::string& where) {
  bool ok = false;
  switch (spec.kind) {
    case Kind::Bool:
      ok = n.is_boolean();
      break;
    case Kind::Int:
      ok = n.is_integer();
      break;
    case Kind::Double:
      ok = is_number(n);
      break;
    case Kind::String:
      ok = n.is_string();
      break;
    case Kind::Ints:
      ok = n.is_array() && std::all_of(n.as_array()->begin(), n.as_array()->end(),
                                       [](const toml::node& e) { return e.is_integer(); });
      break;
    case Kind::Normalize:
      // A string names a preprocessing; "0.5, 0.5" in quotes is not the list [0.5, 0.5].
      ok = (n.is_string() && (n.as_string()->get() == "dataset" || n.as_string()->get() == "none")) ||
           (n.is_array() && std::all_of(n.as_array()->begin(), n.as_array()->end(), is_number));
      break;
    case Kind::Range:
      ok = n.is_array() && std::all_of(n.as_array()->begin(), n.as_array()->end(), is_number);
      break;
  }
  if (ok) return;
  std::string got = toml_type_name(n);
  if (n.is_array()) {
    for (const auto& e : *n.as_array())
      if (!(spec.kind == Kind::Ints ? e.is_integer() : is_number(e))) {
        got = std::string("a list holding ") + toml_type_name(e);
        break;
      }
  }
  const std::string key = spec.key;
  keel::detail::fail(where, ": ", key, " must be ", kind_name(spec.kind), ", got ", got, " (",
                     key.substr(key.find('.') + 1), " = ", n.is_string() ? "\"" : "", toml_leaf_text(n),
                     n.is_string() ? "\"" : "", ")");
}

std::string where_of(const std::string& source, const toml::node& n) {
  return source + ":" + std::to_string(n.source().begin.line);
}

// Flattens a TOML table into (dotted key, node) pairs; arrays are leaves.
void flatten(const toml::table& t, const std::string& prefix,
             std::vector<std::pair<std::string, const toml::node*>>& out) {
  for (const auto& [k, v] : t) {
    std::string key = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
    if (auto sub = v.as_table()) {
      flatten(*sub, key, out);
    } else {
      out.emplace_back(key, &v);
    }
  }
}

// Checks a TOML leaf's type against its key's (unknown keys are left to set_value's message).
void check_toml_leaf(const std::string& key, const toml::node& n, const std::string& where) {
  if (const KeySpec* spec = find_spec(key)) check_toml_type(*spec, n, where);
}

}  // namespace

Config::Config() {
  for (const auto& k : schema()) values_[k.key] = k.def;
}

std::string Config::nearest_key(const std::string& key) {
  std::string best;
  std::size_t best_d = SIZE_MAX;
  for (const auto& k : schema()) {
    std::size_t d = edit_distance(key, k.key);
    // A bare leaf name ("lr") should find its section ("optim.lr").
    std::string leaf = std::string(k.key).substr(std::string(k.key).find('.') + 1);
    d = std::min(d, edit_distance(key, leaf) + 1);
    if (d < best_d) {
      best_d = d;
      best = k.key;
    }
  }
  return best;
}

void Config::set_value(const std::string& key, const std::string& value, const std::string& where) {
  const KeySpec* spec = find_spec(key);
  KEEL_CHECK(spec != nullptr, where, ": unknown config key '", key, "'; did you mean '", nearest_key(key),
             "'?");
  values_[key] = parse_value(*spec, value, where);
}

void Config::set(const std::string& assignment) {
  auto eq = assignment.find('=');
  KEEL_CHECK(eq != std::string::npos && eq > 0, "--set: expected key=value, got '", assignment, "'");
  set_value(trim(assignment.substr(0, eq)), assignment.substr(eq + 1), "--set " + assignment);
}

Config Config::from_toml_string(const std::string& text, const std::string& source) {
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    keel::detail::fail(source, ":", e.source().begin.line, ": malformed TOML: ", e.description());
  }
  Config c;
  std::vector<std::pair<std::string, const toml::node*>> leaves;
  for (const auto& [k, v] : root) {
    std::string key(k.str());
    // `keel compare` reads and checks the [claim] table itself (claim.h).
    if (key == "claim") continue;
    if (key == "variant") {
      auto arr = v.as_array();
      KEEL_CHECK(arr != nullptr, where_of(source, v), ": 'variant' must be an array of tables ([[variant]])");
      for (const auto& item : *arr) {
        auto tbl = item.as_table();
        KEEL_CHECK(tbl != nullptr, where_of(source, item), ": each [[variant]] must be a table");
        Variant var;
        std::vector<std::pair<std::string, const toml::node*>> kv;
        flatten(*tbl, "", kv);
        for (const auto& [vk, node] : kv) {
          if (vk == "name") {
            var.name = toml_leaf_text(*node);
            continue;
          }
          // Validate now so a bad variant fails before any training starts.
          Config probe;
          check_toml_leaf(vk, *node, where_of(source, *node));
          probe.set_value(vk, toml_leaf_text(*node), where_of(source, *node));
          var.overrides.emplace_back(vk, toml_leaf_text(*node));
        }
        KEEL_CHECK(!var.name.empty(), where_of(source, item), ": every [[variant]] needs a name");
        c.variants_.push_back(std::move(var));
      }
      continue;
    }
    if (auto tbl = v.as_table()) {
      flatten(*tbl, key, leaves);
    } else {
      leaves.emplace_back(key, &v);
    }
  }
  for (const auto& [key, node] : leaves) {
    check_toml_leaf(key, *node, where_of(source, *node));
    c.set_value(key, toml_leaf_text(*node), where_of(source, *node));
  }
  return c;
}

Config Config::from_toml_file(const std::string& path) {
  // A directory opens as a stream that reads nothing, which would run the defaults silently.
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  KEEL_CHECK(std::filesystem::exists(status), "config: '", path, "' does not exist");
  KEEL_CHECK(std::filesystem::is_regular_file(status), "config: '", path, "' is not a regular file (",
             std::filesystem::is_directory(status) ? "a directory" : "a special file", "); pass a TOML file");
  std::ifstream in(path, std::ios::binary);
  KEEL_CHECK(in.good(), "config: cannot open '", path, "' for reading");
  std::stringstream ss;
  ss << in.rdbuf();
  KEEL_CHECK(!in.bad(), "config: cannot read '", path, "'");
  return from_toml_string(ss.str(), path);
}

namespace {
template <class T>
const T& typed(const std::map<std::string, ConfigValue>& values, const std::string& key) {
  auto it = values.find(key);
  KEEL_CHECK(it != values.end(), "config: unknown key '", key, "'");
  const T* v = std::get_if<T>(&it->second);
  KEEL_CHECK(v != nullptr, "config: key '", key, "' has another type");
  return *v;
}
}  // namespace

bool Config::get_bool(const std::string& key) const { return typed<bool>(values_, key); }
std::int64_t Config::get_int(const std::string& key) const { return typed<std::int64_t>(values_, key); }
double Config::get_double(const std::string& key) const { return typed<double>(values_, key); }
const std::string& Config::get_string(const std::string& key) const {
  return typed<std::string>(values_, key);
}
const std::vector<std::int64_t>& Config::get_ints(const std::string& key) const {
  return typed<std::vector<std::int64_t>>(values_, key);
}
const ConfigValue& Config::get(const std::string& key) const {
  auto it = values_.find(key);
  KEEL_CHECK(it != values_.end(), "config: unknown key '", key, "'");
  return it->second;
}

std::string Config::to_toml() const {
  std::ostringstream os;
  std::string section;
  for (const auto& spec : schema()) {
    std::string key = spec.key;
    std::string sec = key.substr(0, key.find('.')), leaf = key.substr(key.find('.') + 1);
    if (sec != section) {
      os << (section.empty() ? "" : "\n") << "[" << sec << "]\n";
      section = sec;
    }
    os << leaf << " = " << value_text(values_.at(key)) << "\n";
  }
  return os.str();
}

std::string Config::describe() {
  std::ostringstream os;
  for (const auto& spec : schema()) {
    os << "  " << spec.key << " = " << value_text(spec.def) << "\n      " << spec.help;
    if (!spec.choices.empty()) {
      os << " (";
      for (std::size_t i = 0; i < spec.choices.size(); ++i) os << (i ? ", " : "") << spec.choices[i];
      os << ")";
    }
    // The bounds are part of the documentation: sizes above them are refused, naming the key.
    if (std::isfinite(spec.min) || std::isfinite(spec.max))
      os << (spec.kind == Kind::Ints || spec.kind == Kind::Range ? "; each in [" : "; in [")
         << bound_text(spec, spec.min) << ", " << bound_text(spec, spec.max) << "]";
    os << "\n";
  }
  return os.str();
}

}  // namespace keel::train
