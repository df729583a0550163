#include "keel/io/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

#include "keel/core/error.h"

namespace keel::io {
namespace {

std::string system_error() { return std::strerror(errno); }

std::string parent_directory(const std::string& path) {
  auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  KEEL_CHECK(!path_.empty(), "cannot write a file with an empty path");
  // The pid keeps two processes writing the same target from sharing a temporary file.
  temp_path_ = path_ + ".tmp." + std::to_string(::getpid());
  fd_ = ::open(temp_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  KEEL_CHECK(fd_ >= 0, "cannot write '", path_, "': cannot create '", temp_path_, "': ", system_error());
}

AtomicFile::~AtomicFile() { discard(); }

void AtomicFile::discard() noexcept {
  if (committed_) return;
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  ::unlink(temp_path_.c_str());
  committed_ = true;  // nothing left to clean up
}

void AtomicFile::write(const void* data, std::size_t nbytes) {
  KEEL_CHECK(fd_ >= 0, "cannot write '", path_, "': the file is already committed or discarded");
  const char* p = static_cast<const char*>(data);
  while (nbytes > 0) {
    ssize_t n = ::write(fd_, p, nbytes);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      std::string reason = n < 0 ? system_error() : "no progress";
      discard();
      detail::fail("cannot write '", path_, "': writing '", temp_path_, "' failed: ", reason);
    }
    p += n;
    nbytes -= static_cast<std::size_t>(n);
  }
}

void AtomicFile::commit() {
  KEEL_CHECK(fd_ >= 0, "cannot write '", path_, "': the file is already committed or discarded");
  auto fail = [&](const char* step) {
    std::string reason = system_error();
    discard();
    detail::fail("cannot write '", path_, "': ", step, " '", temp_path_, "' failed: ", reason);
  };
  // Data must be on disk before the rename makes it visible, or a crash could leave an
  // empty file under the final name.
  if (::fsync(fd_) != 0) fail("fsync of");
  int fd = std::exchange(fd_, -1);
  if (::close(fd) != 0) fail("close of");
  if (::rename(temp_path_.c_str(), path_.c_str()) != 0) fail("renaming");
  committed_ = true;
  // Persist the rename itself; best effort, the file is complete either way.
  int dir = ::open(parent_directory(path_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

void write_file_atomic(const std::string& path, std::string_view contents) {
  AtomicFile file(path);
  file.write(contents);
  file.commit();
}

}  // namespace keel::io
