#include "keel/train/variants.h"

namespace keel::train {

std::vector<ResolvedVariant> resolve_variants(const Config& base, const std::string& source) {
  std::vector<ResolvedVariant> out;
  for (const auto& v : base.variants()) {
    ResolvedVariant r{v.name, "", base};
    for (const auto& [key, value] : v.overrides) {
      r.config.set_value(key, value, source + ": variant '" + v.name + "'");
      r.description += (r.description.empty() ? "" : ", ") + key + "=" + value;
    }
    if (r.description.empty()) r.description = "base configuration";
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace keel::train
