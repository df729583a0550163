#pragma once
// The message of the keel::Error that f throws, or "(no error)" when it throws none: tests
// check that messages name the op, the shapes and the values.
#include <keel/core/error.h>

#include <functional>
#include <string>

namespace keel::testing {

inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace keel::testing
