#pragma once
// A whole file as a string (empty when it cannot be read), for tests that check what was written.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace keel::testing {

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace keel::testing
