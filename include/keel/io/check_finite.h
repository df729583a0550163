#pragma once
// Refusing weights that are not numbers: a checkpoint with NaN or infinite values would
// evaluate to chance accuracy and loss nan, and a resumed run would train on garbage.
#include <string>

#include "keel/io/safetensors.h"

namespace keel::io {

// Throws keel::Error naming `source`, the first tensor with a NaN or infinite element, the
// element's flat index and its value. Integer and bool tensors are skipped.
void check_finite(const NamedTensors& tensors, const std::string& source);

}  // namespace keel::io
