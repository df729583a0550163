// IDX parsing. Reads go through a small byte source (memory or an inflate stream) that also
// bounds how many bytes can still come, so that a header claiming huge dims is rejected
// before anything is allocated for it.
#include "keel/io/idx.h"

#include <fcntl.h>
#include <libdeflate.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <sstream>

#include "keel/core/allocator.h"
#include "keel/core/error.h"

namespace keel::io {

namespace {

// Upper bound on deflate's output per input byte: a 258-byte match coded in 2 bits.
constexpr std::uint64_t kMaxInflateRatio = 1032;
// Output zlib may still produce from state it has already consumed input for.
constexpr std::uint64_t kInflateSlack = std::uint64_t{1} << 20;

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Copies up to n bytes into dst; returns how many (fewer only at the end of the data).
  virtual std::size_t read(std::uint8_t* dst, std::size_t n) = 0;
  // No more bytes can be read.
  virtual bool at_end() = 0;
  // An upper bound on the number of bytes still to come.
  virtual std::uint64_t max_remaining() const = 0;
  // Whether max_remaining() is exact (plain data) rather than a bound (compressed data).
  virtual bool exact() const = 0;
  // Moves the last n bytes into dst without copying them, where the source owns a buffer
  // that holds exactly n more; false (and nothing moved) otherwise.
  virtual bool take(std::vector<std::uint8_t>& /*dst*/, std::size_t /*n*/) { return false; }
};

class MemorySource final : public ByteSource {
 public:
  MemorySource(const std::uint8_t* data, std::size_t size) : p_(data), left_(size) {}
  std::size_t read(std::uint8_t* dst, std::size_t n) override {
    std::size_t k = std::min(n, left_);
    if (k > 0) std::memcpy(dst, p_, k);
    p_ += k;
    left_ -= k;
    return k;
  }
  bool at_end() override { return left_ == 0; }
  std::uint64_t max_remaining() const override { return left_; }
  bool exact() const override { return true; }

 private:
  const std::uint8_t* p_;
  std::size_t left_;
};

bool has_gzip_magic(const std::uint8_t* p, std::size_t n) { return n >= 2 && p[0] == 0x1f && p[1] == 0x8b; }

// Inflates one or more concatenated gzip members held in memory.
// Data the source owns (an inflated file), handed over whole to the array when the payload is
// all that is left: a 47 MB image file is then held once, not twice, while it is parsed.
class OwnedSource final : public ByteSource {
 public:
  explicit OwnedSource(std::vector<std::uint8_t> data) : data_(std::move(data)), left_(data_.size()) {}
  std::size_t read(std::uint8_t* dst, std::size_t n) override {
    std::size_t k = std::min(n, left_);
    if (k > 0) std::memcpy(dst, data_.data() + (data_.size() - left_), k);
    left_ -= k;
    return k;
  }
  bool at_end() override { return left_ == 0; }
  std::uint64_t max_remaining() const override { return left_; }
  bool exact() const override { return true; }
  bool take(std::vector<std::uint8_t>& dst, std::size_t n) override {
    if (n != left_) return false;
    const std::size_t start = data_.size() - left_;
    if (start > 0 && n > 0) std::memmove(data_.data(), data_.data() + start, n);
    data_.resize(n);
    dst = std::move(data_);
    data_.clear();
    left_ = 0;
    return true;
  }

 private:
  std::vector<std::uint8_t> data_;
  std::size_t left_;
};

class GzipSource final : public ByteSource {
 public:
  GzipSource(const std::uint8_t* data, std::size_t size, const std::string& source) : source_(source) {
    std::memset(&zs_, 0, sizeof(zs_));
    // 16 + MAX_WBITS: expect a gzip wrapper (header and CRC-32 trailer are checked by zlib).
    KEEL_CHECK(inflateInit2(&zs_, 16 + MAX_WBITS) == Z_OK, "read_idx: ", source_,
               ": zlib could not start inflating");
    zs_.next_in = const_cast<Bytef*>(data);
    left_in_ = size;
  }
  ~GzipSource() override { inflateEnd(&zs_); }

  std::size_t read(std::uint8_t* dst, std::size_t n) override {
    std::size_t done = 0;
    while (done < n && !finished_) {
      feed_input();
      // avail_out is 32-bit: large reads go in chunks.
      uInt chunk = static_cast<uInt>(std::min<std::size_t>(n - done, std::numeric_limits<uInt>::max()));
      zs_.next_out = dst + done;
      zs_.avail_out = chunk;
      const std::uint64_t in_before = pending_in();
      int rc = inflate(&zs_, Z_NO_FLUSH);
      done += chunk - zs_.avail_out;
      // zlib's contract rules this out, but a loop without progress must not spin forever.
      KEEL_CHECK(rc != Z_BUF_ERROR || zs_.avail_out < chunk || pending_in() < in_before || pending_in() == 0,
                 "read_idx: ", source_, ": corrupt gzip data (inflate made no progress)");
      if (rc == Z_STREAM_END) {
        feed_input();
        // Another gzip member may follow (as `cat a.gz b.gz` makes); anything else is junk.
        if (pending_in() == 0) {
          finished_ = true;
        } else if (zs_.avail_in >= 2 && zs_.next_in[0] == 0x1f && zs_.next_in[1] == 0x8b) {
          KEEL_CHECK(inflateReset(&zs_) == Z_OK, "read_idx: ", source_, ": zlib could not restart inflating");
        } else {
          detail::fail("read_idx: ", source_, ": ", pending_in(),
                       " bytes of unexpected data after the end of the gzip stream");
        }
      } else if (rc == Z_OK || rc == Z_BUF_ERROR) {
        // inflate stops only when the output is full or the input is used up; the latter
        // before the stream's end marker means the file was cut short.
        if (zs_.avail_out > 0 && pending_in() == 0) {
          finished_ = true;
          truncated_ = true;
        }
      } else {
        detail::fail("read_idx: ", source_, ": corrupt gzip data (",
                     zs_.msg ? std::string(zs_.msg) : "zlib error " + std::to_string(rc), ")");
      }
    }
    return done;
  }

  bool at_end() override {
    if (!finished_) {
      std::uint8_t b;
      if (read(&b, 1) == 1) return false;
    }
    KEEL_CHECK(!truncated_, "read_idx: ", source_,
               ": truncated gzip data (the compressed stream ends before its end marker)");
    return true;
  }

  std::uint64_t max_remaining() const override {
    if (finished_) return 0;
    return pending_in() * kMaxInflateRatio + kInflateSlack;
  }
  bool exact() const override { return false; }

 private:
  // Input bytes not yet consumed by zlib: those given to it plus those not given yet.
  std::uint64_t pending_in() const { return std::uint64_t{zs_.avail_in} + left_in_; }
  void feed_input() {
    if (zs_.avail_in == 0 && left_in_ > 0) {
      uInt k = static_cast<uInt>(std::min<std::size_t>(left_in_, std::numeric_limits<uInt>::max()));
      zs_.avail_in = k;
      left_in_ -= k;
    }
  }

  z_stream zs_;
  std::size_t left_in_ = 0;  // bytes after next_in + avail_in not yet handed to zlib
  bool finished_ = false;
  bool truncated_ = false;
  const std::string& source_;
};

std::uint32_t load_be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

bool valid_type(std::uint8_t code) {
  switch (code) {
    case 0x08:
    case 0x09:
    case 0x0B:
    case 0x0C:
    case 0x0D:
    case 0x0E:
      return true;
    default:
      return false;
  }
}

std::string describe_dims(const std::vector<std::int64_t>& dims) {
  std::ostringstream os;
  os << '[';
  for (std::size_t i = 0; i < dims.size(); ++i) os << (i ? ", " : "") << dims[i];
  os << ']';
  return os.str();
}

void read_exact(ByteSource& src, std::uint8_t* dst, std::size_t n, const std::string& source,
                const char* what) {
  std::size_t got = src.read(dst, n);
  KEEL_CHECK(got == n, "read_idx: ", source, ": truncated file: expected ", n, " bytes of ", what,
             ", found only ", got);
}

IdxArray parse(ByteSource& src, const std::string& source) {
  std::uint8_t magic[4];
  read_exact(src, magic, 4, source, "IDX magic number");
  std::uint32_t m = load_be32(magic);
  KEEL_CHECK(magic[0] == 0 && magic[1] == 0, "read_idx: ", source, ": not an IDX file (magic number 0x",
             std::hex, m, std::dec, "; an IDX file starts with two zero bytes, a type code and a dim count)");
  KEEL_CHECK(valid_type(magic[2]), "read_idx: ", source, ": unknown IDX type code 0x", std::hex,
             int{magic[2]}, std::dec,
             " (expected 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32 or 0x0E float64)");
  int ndim = magic[3];
  KEEL_CHECK(ndim >= 1 && ndim <= kIdxMaxDims, "read_idx: ", source, ": IDX header declares ", ndim,
             " dims; keel reads 1 to ", kIdxMaxDims);

  IdxArray out;
  out.type = static_cast<IdxType>(magic[2]);
  std::uint8_t dim_bytes[4 * kIdxMaxDims];
  read_exact(src, dim_bytes, 4 * static_cast<std::size_t>(ndim), source, "IDX dims");
  out.dims.resize(ndim);
  bool empty = false;
  for (int d = 0; d < ndim; ++d) {
    out.dims[d] = load_be32(dim_bytes + 4 * d);
    empty = empty || out.dims[d] == 0;
  }

  // Size check before allocating: the payload must fit in what the source can still hold.
  const std::uint64_t elem = idx_type_size(out.type);
  const std::uint64_t bound = src.max_remaining();
  std::uint64_t nbytes = 0;
  if (!empty) {
    std::uint64_t numel = 1;
    for (std::int64_t d : out.dims) {
      // numel * d * elem > bound means it cannot fit; test without overflowing.
      KEEL_CHECK(numel <= bound / elem / static_cast<std::uint64_t>(d), "read_idx: ", source,
                 ": truncated file: the header declares ", idx_type_name(out.type), " dims ",
                 describe_dims(out.dims), " but the file ", src.exact() ? "holds only " : "can hold at most ",
                 bound, " bytes of data");
      numel *= static_cast<std::uint64_t>(d);
    }
    nbytes = numel * elem;
  }
  KEEL_CHECK(nbytes <= std::numeric_limits<std::size_t>::max() / 2, "read_idx: ", source, ": data too large");
  std::size_t got = static_cast<std::size_t>(nbytes);
  if (!src.take(out.bytes, got)) {
    out.bytes.resize(static_cast<std::size_t>(nbytes));
    got = src.read(out.bytes.data(), out.bytes.size());
  }
  KEEL_CHECK(got == nbytes, "read_idx: ", source, ": truncated file: the header declares ",
             idx_type_name(out.type), " dims ", describe_dims(out.dims), " = ", nbytes,
             " bytes of data, but only ", got, " follow");
  if (src.exact()) {
    KEEL_CHECK(src.at_end(), "read_idx: ", source, ": ", src.max_remaining(),
               " unexpected bytes after the data (header declares dims ", describe_dims(out.dims), ")");
  } else {
    KEEL_CHECK(src.at_end(), "read_idx: ", source, ": unexpected bytes after the data (header declares dims ",
               describe_dims(out.dims), ")");
  }
  return out;
}

}  // namespace

const char* idx_type_name(IdxType type) {
  switch (type) {
    case IdxType::UInt8:
      return "uint8";
    case IdxType::Int8:
      return "int8";
    case IdxType::Int16:
      return "int16";
    case IdxType::Int32:
      return "int32";
    case IdxType::Float32:
      return "float32";
    case IdxType::Float64:
      return "float64";
  }
  return "unknown";
}

std::size_t idx_type_size(IdxType type) {
  switch (type) {
    case IdxType::UInt8:
    case IdxType::Int8:
      return 1;
    case IdxType::Int16:
      return 2;
    case IdxType::Int32:
    case IdxType::Float32:
      return 4;
    case IdxType::Float64:
      return 8;
  }
  return 1;
}

std::int64_t IdxArray::numel() const {
  std::int64_t n = 1;
  for (std::int64_t d : dims) n *= d;
  return n;
}

double IdxArray::value(std::int64_t i) const {
  const std::uint8_t* p = bytes.data() + static_cast<std::size_t>(i) * idx_type_size(type);
  switch (type) {
    case IdxType::UInt8:
      return p[0];
    case IdxType::Int8:
      return static_cast<std::int8_t>(p[0]);
    case IdxType::Int16:
      return static_cast<std::int16_t>((p[0] << 8) | p[1]);
    case IdxType::Int32:
      return static_cast<std::int32_t>(load_be32(p));
    case IdxType::Float32:
      return std::bit_cast<float>(load_be32(p));
    case IdxType::Float64: {
      std::uint64_t v = (std::uint64_t{load_be32(p)} << 32) | load_be32(p + 4);
      return std::bit_cast<double>(v);
    }
  }
  return 0.0;
}

namespace {
// Inflates a whole single-member gzip file with libdeflate (2-3x zlib's speed), sized by the
// trailer's ISIZE. Anything unusual (several members, a size beyond deflate's 1032:1 ratio,
// corrupt data) returns false and the caller takes zlib's streaming path, which gives the
// precise error messages.
bool inflate_whole(const std::uint8_t* data, std::size_t size, std::vector<std::uint8_t>& out) {
  if (size < 18) return false;
  const std::uint8_t* t = data + size - 4;
  const std::uint32_t isize =
      std::uint32_t{t[0]} | std::uint32_t{t[1]} << 8 | std::uint32_t{t[2]} << 16 | std::uint32_t{t[3]} << 24;
  if (isize == 0 || isize / 1032 > size) return false;
  std::unique_ptr<libdeflate_decompressor, void (*)(libdeflate_decompressor*)> d(
      libdeflate_alloc_decompressor(), &libdeflate_free_decompressor);
  if (!d) return false;
  out.reserve(isize);
  // 47 MB of fresh memory for Fashion-MNIST's training images: in 4 KiB pages its first touch
  // took 11,000 page faults, more time than inflating it.
  allocator::advise_huge_pages(out.data(), isize);
  out.resize(isize);
  std::size_t in_used = 0, written = 0;
  const libdeflate_result r =
      libdeflate_gzip_decompress_ex(d.get(), data, size, out.data(), isize, &in_used, &written);
  out.resize(std::min<std::size_t>(written, isize));
  return r == LIBDEFLATE_SUCCESS && in_used == size && written == isize;
}
}  // namespace

IdxArray parse_idx(const std::uint8_t* data, std::size_t size, const std::string& source) {
  if (has_gzip_magic(data, size)) {
    std::vector<std::uint8_t> inflated;
    if (inflate_whole(data, size, inflated)) {
      OwnedSource src(std::move(inflated));
      return parse(src, source);
    }
    GzipSource src(data, size, source);
    return parse(src, source);
  }
  MemorySource src(data, size);
  return parse(src, source);
}

namespace {

// A file opened for reading, closed with its scope.
class InputFile {
 public:
  explicit InputFile(const std::string& path) : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
    KEEL_CHECK(fd_ >= 0, "cannot open '", path, "': ", std::strerror(errno));
  }
  ~InputFile() { ::close(fd_); }
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;
  int fd() const { return fd_; }
  // The size of a regular file; 0 for anything else (a pipe, a device).
  std::size_t regular_size() const {
    struct stat st {};
    return ::fstat(fd_, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0
               ? static_cast<std::size_t>(st.st_size)
               : 0;
  }

 private:
  int fd_;
};

// Everything left in the file: straight into a buffer of `size` bytes (the file's size, where
// it has one: no staging copy, no regrowth), then in chunks, for pipes and files that grew.
std::vector<std::uint8_t> read_all(const InputFile& f, std::size_t size, const std::string& path) {
  std::vector<std::uint8_t> bytes(size);
  std::size_t have = 0;
  std::uint8_t chunk[1 << 16];
  for (;;) {
    const bool room = have < bytes.size();
    const ssize_t k = room ? ::read(f.fd(), bytes.data() + have, bytes.size() - have)
                           : ::read(f.fd(), chunk, sizeof(chunk));
    if (k < 0 && errno == EINTR) continue;
    KEEL_CHECK(k >= 0, "cannot read '", path, "': ", std::strerror(errno));
    if (k == 0) break;
    if (!room) bytes.insert(bytes.end(), chunk, chunk + k);
    have += static_cast<std::size_t>(k);
  }
  bytes.resize(have);
  return bytes;
}

}  // namespace

std::vector<std::uint8_t> read_file_bytes(const std::string& path) {
  const InputFile f(path);
  return read_all(f, f.regular_size(), path);
}

IdxArray read_idx_file(const std::string& path) {
  // A regular file is parsed where the page cache holds it (mapped, not copied: a copy of the
  // 26 MB compressed training images was a quarter of loading them); anything else (a pipe) is
  // read from the descriptor already open.
  void* map = MAP_FAILED;
  std::size_t size = 0;
  {
    const InputFile f(path);
    size = f.regular_size();
    if (size > 0) map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, f.fd(), 0);
    if (map == MAP_FAILED) {
      const std::vector<std::uint8_t> bytes = read_all(f, size, path);
      return parse_idx(bytes.data(), bytes.size(), path);
    }
  }
  struct Unmap {
    std::size_t n;
    void operator()(void* m) const { ::munmap(m, n); }
  };
  const std::unique_ptr<void, Unmap> unmap(map, Unmap{size});
  return parse_idx(static_cast<const std::uint8_t*>(map), size, path);
}

void write_idx_file(const std::string& path, const IdxArray& array, bool gzip) {
  KEEL_CHECK(!array.dims.empty() && static_cast<int>(array.dims.size()) <= kIdxMaxDims, "write_idx: ", path,
             ": expected 1 to ", kIdxMaxDims, " dims, got ", array.dims.size());
  KEEL_CHECK(static_cast<std::uint64_t>(array.numel()) * idx_type_size(array.type) == array.bytes.size(),
             "write_idx: ", path, ": dims ", describe_dims(array.dims), " do not match ", array.bytes.size(),
             " bytes of ", idx_type_name(array.type), " data");
  std::vector<std::uint8_t> out = {0, 0, static_cast<std::uint8_t>(array.type),
                                   static_cast<std::uint8_t>(array.dims.size())};
  for (std::int64_t d : array.dims) {
    KEEL_CHECK(d >= 0 && d <= 0xFFFFFFFFLL, "write_idx: ", path, ": dim ", d, " does not fit in 32 bits");
    for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<std::uint8_t>(d >> s));
  }
  out.insert(out.end(), array.bytes.begin(), array.bytes.end());
  if (gzip) out = gzip_compress(out.data(), out.size());
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "wb"), &std::fclose);
  KEEL_CHECK(f != nullptr, "write_idx: cannot open '", path, "' for writing: ", std::strerror(errno));
  KEEL_CHECK(std::fwrite(out.data(), 1, out.size(), f.get()) == out.size() && std::fflush(f.get()) == 0,
             "write_idx: cannot write '", path, "': ", std::strerror(errno));
}

std::vector<std::uint8_t> gzip_compress(const std::uint8_t* data, std::size_t size) {
  KEEL_CHECK(size < std::numeric_limits<uInt>::max() / 2, "gzip_compress: input too large (", size,
             " bytes)");
  z_stream zs;
  std::memset(&zs, 0, sizeof(zs));
  KEEL_CHECK(
      deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK,
      "gzip_compress: zlib could not start deflating");
  std::vector<std::uint8_t> out(deflateBound(&zs, static_cast<uLong>(size)) + 64);
  zs.next_in = const_cast<Bytef*>(data);
  zs.avail_in = static_cast<uInt>(size);
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  KEEL_CHECK(rc == Z_STREAM_END, "gzip_compress: zlib failed (", rc, ")");
  return out;
}

}  // namespace keel::io
