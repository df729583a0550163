#pragma once
// Option validation shared by the optimizers: PyTorch's ValueError messages, as keel::Error
// prefixed with the optimizer's name.
#include <string>

#include "keel/core/error.h"
#include "keel/optim/optimizer.h"

namespace keel::optim::detail {

// Throws "<opt>: Invalid <label>: <value>" unless ok.
inline void check_option(bool ok, const std::string& opt, const char* label, double value) {
  KEEL_CHECK(ok, opt, ": Invalid ", label, ": ", value);
}

inline bool flag(const ParamGroup& g, const char* key) { return g.get(key) != 0.0; }

}  // namespace keel::optim::detail
