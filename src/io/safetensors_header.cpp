#include "io/safetensors_header.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

namespace keel::io {
namespace safetensors_detail {
namespace {

// ordered_json keeps the header's key order, so tensors are listed in file order before the
// sort by offset (which is stable).
using json = nlohmann::ordered_json;

// A larger header is not a checkpoint but a corrupt length field; refuse it before allocating.
constexpr std::uint64_t kMaxHeaderBytes = 100ull * 1000 * 1000;

struct DTypeName {
  const char* name;
  DType dtype;
};
constexpr DTypeName kDTypes[] = {{"F32", kFloat32}, {"F64", kFloat64}, {"I64", kInt64}, {"BOOL", kBool}};
// Valid in the format, but keel has no such tensor type.
constexpr const char* kUnsupportedDTypes[] = {"F16",     "BF16", "F8_E4M3", "F8_E5M2", "F8_E8M0", "F6_E2M3",
                                              "F6_E3M2", "F4",   "I8",      "I16",     "I32",     "U8",
                                              "U16",     "U32",  "U64",     "C64"};

DType parse_dtype(const std::string& s, const std::string& file, const std::string& tensor) {
  for (const auto& d : kDTypes)
    if (s == d.name) return d.dtype;
  for (const char* u : kUnsupportedDTypes)
    if (s == u)
      bad_file(file, "tensor '", tensor, "' has dtype ", s,
               ", which keel does not support (supported: F32, F64, I64, BOOL); convert it in PyTorch first, "
               "e.g. with .float()");
  bad_file(file, "tensor '", tensor, "' has unknown dtype \"", s, "\"");
}

// A non-negative integer of the header; `what` names it in errors.
std::uint64_t header_uint(const json& v, const std::string& file, const std::string& tensor,
                          const char* what) {
  if (v.is_number_unsigned()) return v.get<std::uint64_t>();
  if (v.is_number_integer()) bad_file(file, "tensor '", tensor, "': ", what, " is negative (", v.dump(), ")");
  bad_file(file, "tensor '", tensor, "': ", what, " must be a non-negative integer, got ", v.dump());
}

SafetensorsEntry parse_entry(const std::string& key, const json& v, const std::string& file) {
  KEEL_CHECK(v.is_object(), "safetensors file '", file, "': tensor '", key,
             "' must be an object with dtype, shape and data_offsets, got ", v.type_name());
  SafetensorsEntry e;
  e.name = key;
  for (const char* field : {"dtype", "shape", "data_offsets"})
    if (!v.contains(field)) bad_file(file, "tensor '", key, "' has no \"", field, "\"");
  const json& dtype = v["dtype"];
  if (!dtype.is_string()) bad_file(file, "tensor '", key, "': dtype must be a string, got ", dtype.dump());
  e.dtype = parse_dtype(dtype.get<std::string>(), file, key);

  const json& shape = v["shape"];
  if (!shape.is_array()) bad_file(file, "tensor '", key, "': shape must be an array, got ", shape.dump());
  if (shape.size() > static_cast<std::size_t>(kMaxDims))
    bad_file(file, "tensor '", key, "' has ", shape.size(), " dims; keel supports at most ", kMaxDims);
  // bytes = prod(shape) * element size, checked for overflow since every number is untrusted.
  std::uint64_t bytes = element_size(e.dtype);
  for (const json& d : shape) {
    if (d.is_number_integer() && !d.is_number_unsigned())
      bad_file(file, "tensor '", key, "' has a negative dimension in shape ", shape.dump());
    std::uint64_t n = header_uint(d, file, key, "a dimension of shape");
    if (n > static_cast<std::uint64_t>(INT64_MAX) || __builtin_mul_overflow(bytes, n, &bytes))
      bad_file(file, "tensor '", key, "': shape ", shape.dump(), " is too large");
    e.shape.push_back(static_cast<std::int64_t>(n));
  }

  const json& offsets = v["data_offsets"];
  if (!offsets.is_array() || offsets.size() != 2)
    bad_file(file, "tensor '", key, "': data_offsets must be [begin, end], got ", offsets.dump());
  e.begin = header_uint(offsets[0], file, key, "data_offsets begin");
  e.end = header_uint(offsets[1], file, key, "data_offsets end");
  if (e.begin > e.end)
    bad_file(file, "tensor '", key, "': data_offsets ", offsets.dump(), " end before they begin");
  if (e.end - e.begin != bytes)
    bad_file(file, "tensor '", key, "': data_offsets ", offsets.dump(), " span ", e.end - e.begin,
             " bytes, but shape ", shape.dump(), " of ", dtype.get<std::string>(), " needs ", bytes);
  return e;
}

// Parses and validates the JSON header against a data section of `data_size` bytes.
SafetensorsHeader parse_header(const std::string& text, std::uint64_t data_size, const std::string& file) {
  // The callback sees top-level keys as they are read: duplicates would otherwise silently
  // overwrite each other.
  std::set<std::string> seen;
  std::string duplicate;
  auto on_event = [&](int depth, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::key && depth == 1 && duplicate.empty()) {
      const auto& k = parsed.get_ref<const std::string&>();
      if (!seen.insert(k).second) duplicate = k;
    }
    return true;
  };
  json header;
  try {
    header = json::parse(text.begin(), text.end(), on_event);
  } catch (const json::exception& e) {
    bad_file(file, "malformed JSON header: ", e.what());
  }
  if (!header.is_object()) bad_file(file, "the header must be a JSON object, got ", header.type_name());
  if (!duplicate.empty()) bad_file(file, "the header names '", duplicate, "' twice");

  SafetensorsHeader out;
  for (const auto& [key, value] : header.items()) {
    if (key == kMetadataKey) {
      if (!value.is_object())
        bad_file(file, "__metadata__ must be an object of strings, got ", value.type_name());
      for (const auto& [mk, mv] : value.items()) {
        if (!mv.is_string())
          bad_file(file, "__metadata__ value of '", mk, "' must be a string, got ", mv.dump());
        out.metadata[mk] = mv.get<std::string>();
      }
      continue;
    }
    out.entries.push_back(parse_entry(key, value, file));
  }

  // The data must be covered exactly once: sorted by offset, each tensor starts where the
  // previous one ends, and the last one ends at the end of the file.
  std::stable_sort(out.entries.begin(), out.entries.end(), [](const auto& a, const auto& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  std::uint64_t pos = 0;
  const SafetensorsEntry* prev = nullptr;
  for (const auto& e : out.entries) {
    if (e.end > data_size)
      bad_file(file, "tensor '", e.name, "': data_offsets [", e.begin, ", ", e.end,
               "] run past the end of the data (", data_size, " bytes); the file is truncated or corrupt");
    if (e.begin < pos)
      bad_file(file, "tensors '", prev->name, "' [", prev->begin, ", ", prev->end, "] and '", e.name, "' [",
               e.begin, ", ", e.end, "] overlap");
    if (e.begin > pos)
      bad_file(file, "bytes [", pos, ", ", e.begin, ") of the data belong to no tensor (a gap before '",
               e.name, "')");
    pos = e.end;
    prev = &e;
  }
  if (pos != data_size)
    bad_file(file, "the data section has ", data_size, " bytes but the tensors cover ", pos,
             "; trailing bytes or a corrupt header");
  return out;
}

}  // namespace

Layout read_layout(std::uint64_t total, ReadAt read, void* ctx, const std::string& file) {
  if (total < 8)
    bad_file(file, "too short (", total,
             " bytes) to hold the 8-byte header length; truncated or not safetensors");
  unsigned char len_bytes[8];
  if (!read(ctx, 0, len_bytes, 8)) bad_file(file, "truncated while reading the header length");
  std::uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | len_bytes[i];
  if (n > kMaxHeaderBytes)
    bad_file(file, "header length ", n, " exceeds the 100 MB limit; corrupt or not a safetensors file");
  if (n > total - 8)
    bad_file(file, "header length ", n, " runs past the end of the file (", total,
             " bytes); the file is truncated");
  std::string text(n, '\0');
  if (n > 0 && !read(ctx, 8, text.data(), n)) bad_file(file, "truncated while reading the header");
  Layout out;
  out.data_start = 8 + n;
  out.header = parse_header(text, total - out.data_start, file);
  return out;
}

Layout parse_layout(const void* data, std::size_t size, const std::string& name) {
  MemorySource src{static_cast<const unsigned char*>(data), size};
  return read_layout(size, &MemorySource::read, &src, name);
}

}  // namespace safetensors_detail

const char* safetensors_dtype_name(DType dtype) {
  for (const auto& d : safetensors_detail::kDTypes)
    if (d.dtype == dtype) return d.name;
  detail::fail("safetensors: no name for dtype ", dtype);
}

}  // namespace keel::io
