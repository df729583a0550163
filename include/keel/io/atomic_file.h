#pragma once
// AtomicFile: writes a file so that readers (and a crash or Ctrl-C) see either the old file or
// the complete new one, never a half-written one. Bytes go to `path.tmp.<pid>` next to the
// target; commit() fsyncs it and renames it over `path`. If commit() is never reached (an
// error, an exception) the destructor removes the temporary file and `path` is untouched.
// Every failure throws keel::Error naming the file and the system's reason.
#include <cstddef>
#include <string>
#include <string_view>

namespace keel::io {

class AtomicFile {
 public:
  explicit AtomicFile(std::string path);
  ~AtomicFile();  // removes the temporary file unless committed
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(const void* data, std::size_t nbytes);
  void write(std::string_view bytes) { write(bytes.data(), bytes.size()); }
  // Flushes to disk, renames over the target and syncs the directory entry.
  void commit();

  const std::string& path() const { return path_; }
  const std::string& temp_path() const { return temp_path_; }

 private:
  void discard() noexcept;

  std::string path_, temp_path_;
  int fd_ = -1;
  bool committed_ = false;
};

// Writes `contents` to `path` atomically (see AtomicFile).
void write_file_atomic(const std::string& path, std::string_view contents);

}  // namespace keel::io
