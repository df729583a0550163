#pragma once
// keel::Error is the one exception type keel throws for bad user input: wrong shapes,
// dtypes, dims or arguments. Messages name the op and the offending shapes or values.
#include <sstream>
#include <stdexcept>
#include <string>

namespace keel {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

namespace detail {
inline void append(std::ostringstream&) {}
template <class T, class... Rest>
void append(std::ostringstream& os, const T& first, const Rest&... rest) {
  os << first;
  append(os, rest...);
}
template <class... Args>
[[noreturn]] void fail(const Args&... args) {
  std::ostringstream os;
  append(os, args...);
  throw Error(os.str());
}
}  // namespace detail
}  // namespace keel

// KEEL_CHECK(cond, parts...) throws keel::Error built from the streamed parts when cond is false.
#define KEEL_CHECK(cond, ...)            \
  do {                                   \
    if (!(cond)) [[unlikely]] {          \
      ::keel::detail::fail(__VA_ARGS__); \
    }                                    \
  } while (false)
