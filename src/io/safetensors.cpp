#include "keel/io/safetensors.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>

#include "keel/autograd/grad_mode.h"
#include "keel/io/atomic_file.h"
#include "keel/tensor/factories.h"

namespace keel::io {
namespace {

// The format is little-endian; keel writes and reads tensor bytes as they are in memory.
static_assert(std::endian::native == std::endian::little,
              "keel's safetensors I/O assumes a little-endian host");

// ordered_json keeps the header's key order, so tensors written in state_dict order come
// back in that order.
using json = nlohmann::ordered_json;

// A larger header is not a checkpoint but a corrupt length field; refuse it before allocating.
constexpr std::uint64_t kMaxHeaderBytes = 100ull * 1000 * 1000;
constexpr const char* kMetadataKey = "__metadata__";

template <class... Args>
[[noreturn]] void bad_file(const std::string& name, const Args&... parts) {
  detail::fail("safetensors file '", name, "': ", parts...);
}

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

// Reads exactly n bytes at `offset` of the source, or returns false at its end.
using ReadAt = bool (*)(void* ctx, std::uint64_t offset, void* dst, std::size_t n);

struct Located {
  SafetensorsHeader header;
  std::uint64_t data_start = 0;
};

Located read_header(std::uint64_t total, ReadAt read, void* ctx, const std::string& file) {
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
  Located out;
  out.data_start = 8 + n;
  out.header = parse_header(text, total - out.data_start, file);
  return out;
}

SafetensorsContents read_tensors(const Located& loc, ReadAt read, void* ctx, const std::string& file) {
  SafetensorsContents out;
  out.metadata = loc.header.metadata;
  out.tensors.reserve(loc.header.entries.size());
  for (const auto& e : loc.header.entries) {
    Tensor t = empty(e.shape, e.dtype);
    std::size_t nbytes = e.end - e.begin;
    if (nbytes > 0 && !read(ctx, loc.data_start + e.begin, t.raw_data(), nbytes))
      bad_file(file, "truncated while reading tensor '", e.name, "'");
    if (e.dtype == kBool) {
      // Any nonzero byte is true; keel's bools must hold exactly 0 or 1.
      auto* p = static_cast<unsigned char*>(t.raw_data());
      for (std::size_t i = 0; i < nbytes; ++i) p[i] = p[i] != 0;
    }
    out.tensors.emplace_back(e.name, std::move(t));
  }
  return out;
}

// ---- sources ------------------------------------------------------------------------------

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

class FileSource {
 public:
  explicit FileSource(const std::string& path) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) bad_file(path, "cannot open: ", std::strerror(errno));
    struct stat st {};
    if (::fstat(fd_, &st) != 0) {
      int err = errno;
      ::close(fd_);
      bad_file(path, "cannot stat: ", std::strerror(err));
    }
    if (!S_ISREG(st.st_mode)) {
      ::close(fd_);
      bad_file(path, "not a regular file");
    }
    size_ = static_cast<std::uint64_t>(st.st_size);
  }
  ~FileSource() { ::close(fd_); }
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;
  std::uint64_t size() const { return size_; }

  static bool read(void* ctx, std::uint64_t offset, void* dst, std::size_t n) {
    auto* s = static_cast<FileSource*>(ctx);
    char* p = static_cast<char*>(dst);
    while (n > 0) {
      ssize_t got = ::pread(s->fd_, p, n, static_cast<off_t>(offset));
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) return false;  // an I/O error or the file shrank under us
      p += got;
      offset += static_cast<std::uint64_t>(got);
      n -= static_cast<std::size_t>(got);
    }
    return true;
  }

 private:
  int fd_ = -1;
  std::uint64_t size_ = 0;
};

// ---- writing ------------------------------------------------------------------------------

struct Prepared {
  std::string prefix;        // header length + padded JSON header
  std::vector<Tensor> data;  // contiguous, in file order
};

Prepared prepare(const NamedTensors& tensors, const Metadata& metadata, const std::string& target) {
  auto fail = [&](const auto&... parts) { detail::fail("save_safetensors('", target, "'): ", parts...); };
  json header = json::object();
  if (!metadata.empty()) {
    json m = json::object();
    for (const auto& [k, v] : metadata) m[k] = v;
    header[kMetadataKey] = std::move(m);
  }
  Prepared out;
  std::set<std::string> names;
  std::uint64_t offset = 0;
  NoGradGuard no_grad;
  for (const auto& [name, t] : tensors) {
    if (name.empty()) fail("a tensor has an empty name");
    if (name == kMetadataKey) fail("\"__metadata__\" is reserved and cannot name a tensor");
    if (!names.insert(name).second) fail("the name '", name, "' appears twice");
    if (!t.defined()) fail("tensor '", name, "' is undefined");
    Tensor c = t.contiguous();
    std::uint64_t nbytes = static_cast<std::uint64_t>(c.numel()) * c.element_size();
    header[name] = {{"dtype", safetensors_dtype_name(c.dtype())},
                    {"shape", c.sizes().vec()},
                    {"data_offsets", {offset, offset + nbytes}}};
    offset += nbytes;
    out.data.push_back(std::move(c));
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const json::exception& e) {  // names or metadata that are not valid UTF-8
    fail("names and metadata must be valid UTF-8: ", e.what());
  }
  // Spaces pad the header so that the data starts 8-byte aligned, as the reference writer does.
  text.append((8 - text.size() % 8) % 8, ' ');
  std::uint64_t n = text.size();
  out.prefix.resize(8);
  for (int i = 0; i < 8; ++i)
    out.prefix[static_cast<std::size_t>(i)] = static_cast<char>((n >> (8 * i)) & 0xff);
  out.prefix += text;
  return out;
}

}  // namespace

const char* safetensors_dtype_name(DType dtype) {
  for (const auto& d : kDTypes)
    if (d.dtype == dtype) return d.name;
  detail::fail("safetensors: no name for dtype ", dtype);
}

void save_safetensors(const std::string& path, const NamedTensors& tensors, const Metadata& metadata) {
  // Everything that can be wrong with the input is found before the temporary file exists.
  Prepared p = prepare(tensors, metadata, path);
  AtomicFile file(path);
  file.write(p.prefix);
  for (const Tensor& t : p.data)
    if (t.numel() > 0) file.write(t.raw_data(), static_cast<std::size_t>(t.numel()) * t.element_size());
  file.commit();
}

std::string serialize_safetensors(const NamedTensors& tensors, const Metadata& metadata) {
  Prepared p = prepare(tensors, metadata, "<memory>");
  std::string out = std::move(p.prefix);
  for (const Tensor& t : p.data)
    if (t.numel() > 0)
      out.append(static_cast<const char*>(t.raw_data()),
                 static_cast<std::size_t>(t.numel()) * t.element_size());
  return out;
}

SafetensorsContents load_safetensors(const std::string& path) {
  FileSource src(path);
  Located loc = read_header(src.size(), &FileSource::read, &src, path);
  return read_tensors(loc, &FileSource::read, &src, path);
}

SafetensorsHeader read_safetensors_header(const std::string& path) {
  FileSource src(path);
  return read_header(src.size(), &FileSource::read, &src, path).header;
}

SafetensorsContents parse_safetensors(const void* data, std::size_t size, const std::string& name) {
  MemorySource src{static_cast<const unsigned char*>(data), size};
  Located loc = read_header(size, &MemorySource::read, &src, name);
  return read_tensors(loc, &MemorySource::read, &src, name);
}

}  // namespace keel::io
