#pragma once
// The [[variant]] tables of a config resolved into configs, shared by `keel compare` and
// `keel biasvar`.
#include <string>
#include <vector>

#include "keel/train/config.h"

namespace keel::train {

struct ResolvedVariant {
  std::string name;
  std::string description;  // "key=value, key=value", or "base configuration" without overrides
  Config config;            // the base with the variant's overrides applied
};

// Every variant's overrides applied to `base` and checked (a bad key or value throws
// keel::Error naming `source` and the variant) before anything trains. Empty when the config
// has no [[variant]] tables.
std::vector<ResolvedVariant> resolve_variants(const Config& base, const std::string& source);

}  // namespace keel::train
