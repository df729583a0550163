#pragma once
// What one variant of `keel compare` produced, and its byte form: under `mpirun -np N keel
// compare` each rank trains some variants and rank 0 gathers these (allgather_bytes) to write the
// report, exactly as if it had trained them all.
#include <cstddef>
#include <string>
#include <vector>

#include "keel/train/report.h"

namespace keel::cli {

struct VariantOutcome {
  std::size_t index = 0;  // position in the config's [[variant]] list
  train::VariantResult result;
  double test_acc = 0;
  bool interrupted = false;
  int exit_code = 0;
  std::string message;  // why it was interrupted
};

// Every number is written in its shortest round-trip form: decoding gives bit-identical values.
std::string encode(const std::vector<VariantOutcome>& outcomes);
// Throws keel::Error when `bytes` was not made by encode().
std::vector<VariantOutcome> decode(const std::string& bytes);

}  // namespace keel::cli
