#pragma once
// keel's safetensors header parser: turns a file's bytes into a SafetensorsHeader whose data
// layout is checked against the data size. It needs no Tensor (only nlohmann-json, dims and
// dtypes), so fuzz/safetensors_fuzz.cpp builds it on its own; safetensors.cpp adds the data.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "keel/core/error.h"
#include "keel/io/safetensors_types.h"

namespace keel::io::safetensors_detail {

inline constexpr const char* kMetadataKey = "__metadata__";

template <class... Args>
[[noreturn]] void bad_file(const std::string& name, const Args&... parts) {
  detail::fail("safetensors file '", name, "': ", parts...);
}

// Reads exactly n bytes at `offset` of the source, or returns false at its end.
using ReadAt = bool (*)(void* ctx, std::uint64_t offset, void* dst, std::size_t n);

// A source over bytes in memory, for ReadAt.
struct MemorySource {
  const unsigned char* data;
  std::uint64_t size;
  static bool read(void* ctx, std::uint64_t offset, void* dst, std::size_t n) {
    auto* s = static_cast<MemorySource*>(ctx);
    if (offset > s->size || n > s->size - offset) return false;
    std::memcpy(dst, s->data + offset, n);
    return true;
  }
};

// A validated header and where the data section starts (8 + the header length).
struct Layout {
  SafetensorsHeader header;
  std::uint64_t data_start = 0;
};

// Reads the header of a source of `total` bytes and validates it: every tensor's offsets match
// its shape and dtype, and the tensors cover the data section exactly. Throws keel::Error
// naming `file` and the problem.
Layout read_layout(std::uint64_t total, ReadAt read, void* ctx, const std::string& file);

// read_layout over `size` bytes in memory; `name` labels error messages.
Layout parse_layout(const void* data, std::size_t size, const std::string& name);

}  // namespace keel::io::safetensors_detail
