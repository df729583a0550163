// libFuzzer target for the IDX reader (plain and gzip): any input must parse into a
// consistent array or throw keel::Error; never crash, hang or allocate beyond the bound
// that the input's size allows.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "keel/core/error.h"
#include "keel/io/idx.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    keel::io::IdxArray a = keel::io::parse_idx(data, size, "fuzz");
    std::uint64_t numel = 1;
    for (std::int64_t d : a.dims) numel *= static_cast<std::uint64_t>(d);
    if (a.dims.empty() || a.dims.size() > keel::io::kIdxMaxDims ||
        numel * keel::io::idx_type_size(a.type) != a.bytes.size())
      std::abort();
    if (numel > 0) (void)a.value(static_cast<std::int64_t>(numel) - 1);
  } catch (const keel::Error&) {
  }
  return 0;
}
