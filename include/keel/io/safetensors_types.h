#pragma once
// The plain types that describe a safetensors file's header (see keel/io/safetensors.h for the
// format). They need no Tensor, so the header parser builds (and is fuzzed) without the rest
// of keel.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "keel/tensor/dims.h"
#include "keel/tensor/dtype.h"

namespace keel::io {

using Metadata = std::map<std::string, std::string>;

// One entry of a file's header, without the data.
struct SafetensorsEntry {
  std::string name;
  DType dtype = kFloat32;
  Dims shape;
  std::uint64_t begin = 0, end = 0;  // byte offsets into the data section
};
struct SafetensorsHeader {
  std::vector<SafetensorsEntry> entries;  // sorted by offset
  Metadata metadata;
};

// The format's name of a dtype ("F32", "F64", "I64", "BOOL").
const char* safetensors_dtype_name(DType dtype);

}  // namespace keel::io
