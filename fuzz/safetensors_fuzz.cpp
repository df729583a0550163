// libFuzzer target for the safetensors header parser (the part of load_safetensors that reads
// untrusted bytes before any tensor exists): any input must give a header whose entries tile
// the data section exactly, each as large as its shape and dtype say, or throw keel::Error;
// never crash, hang or allocate beyond what the input's size allows.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "io/safetensors_header.h"
#include "keel/core/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace st = keel::io::safetensors_detail;
  try {
    st::Layout layout = st::parse_layout(data, size, "fuzz");
    if (layout.data_start < 8 || layout.data_start > size) std::abort();
    std::uint64_t pos = 0;
    for (const keel::io::SafetensorsEntry& e : layout.header.entries) {
      std::uint64_t bytes = keel::element_size(e.dtype);
      for (std::int64_t d : e.shape) {
        if (d < 0) std::abort();
        bytes *= static_cast<std::uint64_t>(d);
      }
      if (e.begin != pos || e.end - e.begin != bytes) std::abort();
      pos = e.end;
    }
    if (pos != size - layout.data_start) std::abort();
  } catch (const keel::Error&) {
  }
  return 0;
}
