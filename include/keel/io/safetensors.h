#pragma once
// The safetensors file format (https://github.com/huggingface/safetensors), which PyTorch
// users read and write with a few lines of code:
//   8 bytes     N, the header length (unsigned little-endian)
//   N bytes     JSON: {"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}, ...,
//                      "__metadata__": {"key": "value", ...}}, padded with spaces
//   the rest    the tensors' bytes, little-endian, row-major, no gaps; offsets count from here
// keel reads and writes F32, F64, I64 and BOOL (its dtypes); other dtypes are rejected.
// The header types (SafetensorsHeader, SafetensorsEntry) and safetensors_dtype_name are in
// keel/io/safetensors_types.h, which this includes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "keel/io/safetensors_types.h"
#include "keel/tensor/tensor.h"

namespace keel::io {

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

struct SafetensorsContents {
  NamedTensors tensors;  // in the order of their data in the file
  Metadata metadata;
};

// Writes the tensors (in the given order) and metadata to `path` atomically: the bytes go to
// `path.tmp.<pid>`, which is fsynced and renamed over `path`, so a reader (or a crash) sees
// either the old file or the complete new one. On any error the temporary file is removed,
// an existing `path` is left untouched, and keel::Error is thrown. Names must be unique and
// non-empty, and not "__metadata__"; non-contiguous tensors are written in row-major order.
void save_safetensors(const std::string& path, const NamedTensors& tensors, const Metadata& metadata = {});

// Reads a whole file. Every inconsistency (truncation, a header longer than the file or than
// 100 MB, malformed JSON, unknown dtypes, negative dims, offsets out of range, overlapping,
// leaving gaps or not matching shape x dtype) throws keel::Error naming the file and problem.
SafetensorsContents load_safetensors(const std::string& path);

// Reads and validates only the header: names, dtypes, shapes and metadata, no tensor data.
SafetensorsHeader read_safetensors_header(const std::string& path);

// The same format in memory (for tests and fuzzing); `name` labels error messages.
std::string serialize_safetensors(const NamedTensors& tensors, const Metadata& metadata = {});
SafetensorsContents parse_safetensors(const void* data, std::size_t size,
                                      const std::string& name = "<memory>");

}  // namespace keel::io
