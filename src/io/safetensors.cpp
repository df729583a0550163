#include "keel/io/safetensors.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>

#include "io/safetensors_header.h"
#include "keel/autograd/grad_mode.h"
#include "keel/io/atomic_file.h"
#include "keel/tensor/factories.h"

// The header's parsing and validation live in safetensors_header.cpp; this file reads the
// tensors' data and writes files.
namespace keel::io {
namespace {

using safetensors_detail::bad_file;
using safetensors_detail::kMetadataKey;
using safetensors_detail::Layout;
using safetensors_detail::MemorySource;
using safetensors_detail::read_layout;
using safetensors_detail::ReadAt;

// The format is little-endian; keel writes and reads tensor bytes as they are in memory.
static_assert(std::endian::native == std::endian::little,
              "keel's safetensors I/O assumes a little-endian host");

// ordered_json keeps the header's key order, so tensors written in state_dict order come
// back in that order.
using json = nlohmann::ordered_json;

SafetensorsContents read_tensors(const Layout& loc, ReadAt read, void* ctx, const std::string& file) {
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
  Layout loc = read_layout(src.size(), &FileSource::read, &src, path);
  return read_tensors(loc, &FileSource::read, &src, path);
}

SafetensorsHeader read_safetensors_header(const std::string& path) {
  FileSource src(path);
  return read_layout(src.size(), &FileSource::read, &src, path).header;
}

SafetensorsContents parse_safetensors(const void* data, std::size_t size, const std::string& name) {
  MemorySource src{static_cast<const unsigned char*>(data), size};
  Layout loc = read_layout(size, &MemorySource::read, &src, name);
  return read_tensors(loc, &MemorySource::read, &src, name);
}

}  // namespace keel::io
