#pragma once
// "Did you mean ...?" for names a user typed: config keys (train/config.cpp) and the CLI's
// commands (cli/main.cpp) share this one measure, so their hints agree.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace keel {

// Levenshtein distance: insertions, deletions and substitutions each cost 1.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word` by edit distance (the first one on a tie); "" when there are
// no candidates.
std::string nearest(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace keel
