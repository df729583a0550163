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

using ConfigValue = std::variant<bool, std::int64_t, double, std::string, std::vector<std::int64_t>>;

class Config {
 public:
  Config();  // every key at its default

  // Reads a TOML file over the defaults. Unknown keys, wrong types and invalid values throw
  // keel::Error naming the file, the line and (for unknown keys) the nearest valid key.
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
