#pragma once
// The IDX format of MNIST and Fashion-MNIST: a 4-byte magic (0, 0, type code, number of
// dims), the dims as big-endian uint32, then the values in row-major order, big-endian.
// Files may be gzip-compressed (detected by the gzip magic 0x1f 0x8b, not by the name).
//
// This layer only parses bytes; it depends on nothing but the standard library and zlib, so
// the fuzz targets in fuzz/ build it alone. keel/data/idx_tensor.h turns the result into
// tensors. Every malformed input throws keel::Error naming the source and the problem; no
// input makes the reader allocate more than the data could hold (a plain file's size, or
// 1032 times a gzip file's size, deflate's largest possible ratio).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace keel::io {

enum class IdxType : std::uint8_t {
  UInt8 = 0x08,
  Int8 = 0x09,
  Int16 = 0x0B,
  Int32 = 0x0C,
  Float32 = 0x0D,
  Float64 = 0x0E,
};

// "uint8", "int8", "int16", "int32", "float32", "float64".
const char* idx_type_name(IdxType type);
// Bytes per value of `type`.
std::size_t idx_type_size(IdxType type);

struct IdxArray {
  IdxType type = IdxType::UInt8;
  std::vector<std::int64_t> dims;
  std::vector<std::uint8_t> bytes;  // the values as stored: row-major, big-endian

  std::int64_t numel() const;
  // Value i converted to double (big-endian decoding); i must be in [0, numel()).
  double value(std::int64_t i) const;
};

// At most this many dims (keel's tensors hold up to 8).
inline constexpr int kIdxMaxDims = 8;

// Parses an IDX image held in memory, plain or gzip-compressed. `source` names it in errors
// (usually the file path).
IdxArray parse_idx(const std::uint8_t* data, std::size_t size, const std::string& source);

// Reads and parses an IDX file, plain or gzip-compressed.
IdxArray read_idx_file(const std::string& path);

// Writes `array` as an IDX file, gzip-compressed when `gzip` is true (tests and tools).
void write_idx_file(const std::string& path, const IdxArray& array, bool gzip = false);

// `size` bytes at `data` as a gzip stream (one member).
std::vector<std::uint8_t> gzip_compress(const std::uint8_t* data, std::size_t size);

// Reads a whole file into memory; throws keel::Error naming the path when it cannot.
std::vector<std::uint8_t> read_file_bytes(const std::string& path);

}  // namespace keel::io
