// configs/claims/*.toml stay valid as keel changes: each reads, has a [claim] whose groups name
// its variants, builds every variant's model, and states its measured wall time.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "keel/train/claim.h"
#include "keel/train/model_factory.h"

namespace keel::train {
namespace {

namespace fs = std::filesystem;

TEST(ShippedClaims, EveryConfigReadsChecksAndBuilds) {
  const fs::path dir = fs::path(KEEL_GOLDEN_DIR) / ".." / ".." / "configs" / "claims";
  std::vector<std::string> seen;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".toml") continue;
    const std::string path = entry.path().string();
    seen.push_back(entry.path().stem().string());
    const Config base = Config::from_toml_file(path);
    const auto claim = read_claim_file(path);
    ASSERT_TRUE(claim.has_value()) << path;
    std::vector<std::string> names;
    for (const auto& v : base.variants()) {
      names.push_back(v.name);
      Config c = base;
      for (const auto& [key, value] : v.overrides) c.set_value(key, value, path);
      EXPECT_NO_THROW(build_model(c, 28 * 28, 10)) << path << ": " << v.name;
    }
    EXPECT_GE(names.size(), 2u) << path;
    EXPECT_NO_THROW(check_claim_variants(*claim, names)) << path;
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    EXPECT_NE(text.str().find("# Wall time: "), std::string::npos) << path << " states no measured wall time";
  }
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (std::vector<std::string>{"bn_vs_none", "clipping_gru", "dropout_with_bn",
                                            "gn_vs_bn_small_batch", "gru_norms", "instance_norm_jitter"}));
}

}  // namespace
}  // namespace keel::train
