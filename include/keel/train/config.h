#pragma once
// Run configuration for `keel train` / `keel compare`: one table of dotted keys
// ("optim.lr", "model.norm", ...) with types, defaults, allowed values and help, so TOML files,
// `--set key=value` overrides, validation and the "did you mean" hint all come from one place.
#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

namespace keel::train {

// std::vector<double> holds data.normalize's explicit [mean, std]; its named forms are strings.
using ConfigValue =
    std::variant<bool, std::int64_t, double, std::string, std::vector<std::int64_t>, std::vector<double>>;

// Documented bounds on sizes, so that no config value asks for a tensor whose element count
// overflows or that no machine holds (see --help-config).
inline constexpr std::int64_t kMaxWidth = 1'000'000;      // each entry of model.hidden
inline constexpr std::int64_t kMaxLayers = 64;            // entries of model.hidden
inline constexpr std::int64_t kMaxBatchSize = 1'000'000;  // train.batch_size, train.eval_batch_size

class Config {
 public:
  Config();  // every key at its default

  // Reads a TOML file over the defaults. A path that is not a readable regular file, unknown
  // keys, values of another TOML type than the key's (epochs = "1", hidden = 512) and invalid
  // values throw keel::Error naming the file, the line, the key and what was expected (for
  // unknown keys, the nearest valid key).
  static Config from_toml_file(const std::string& path);
  static Config from_toml_string(const std::string& text, const std::string& source_name = "<string>");
  // Applies "key=value" (value parsed by the key's type); errors name the key and the value.
  void set(const std::string& assignment);
  void set_value(const std::string& key, const std::string& value, const std::string& where = "--set");

  bool get_bool(const std::string& key) const;
  std::int64_t get_int(const std::string& key) const;
  double get_double(const std::string& key) const;
  const std::string& get_string(const std::string& key) const;
  const std::vector<std::int64_t>& get_ints(const std::string& key) const;
  // Any key's value, for keys that take more than one form (data.normalize).
  const ConfigValue& get(const std::string& key) const;

  // The resolved configuration as TOML (written to runs/<name>/config.toml).
  std::string to_toml() const;
  // Every key with its type, default and help (for `keel train --help-config`).
  static std::string describe();
  // The valid key closest to `key` by edit distance.
  static std::string nearest_key(const std::string& key);

  // Variants of `keel compare`: name -> overrides (key -> value text), in file order.
  struct Variant {
    std::string name;
    std::vector<std::pair<std::string, std::string>> overrides;
  };
  const std::vector<Variant>& variants() const { return variants_; }

 private:
  std::map<std::string, ConfigValue> values_;
  std::vector<Variant> variants_;
};

}  // namespace keel::train
