// Atomic replacement of a file: write a temporary next to it, fsync, rename over it.
#include "keel/train/atomic_write.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>

#include "keel/core/error.h"

namespace keel::train {
namespace {

std::string reason(int err) { return std::strerror(err); }

// A name no other writer (thread or process) uses: rename() must only ever publish our bytes.
std::filesystem::path temp_path_for(const std::filesystem::path& path) {
  static std::atomic<unsigned> counter{0};
  std::string name = "." + path.filename().string() + ".tmp-" + std::to_string(::getpid()) + "-" +
                     std::to_string(counter.fetch_add(1));
  return path.parent_path() / name;
}

}  // namespace

void write_text_file_atomic(const std::filesystem::path& path, std::string_view content) {
  KEEL_CHECK(!path.empty() && path.has_filename(), "cannot write file '", path.string(),
             "': not a file name");
  const std::filesystem::path temp = temp_path_for(path);
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  KEEL_CHECK(fd >= 0, "cannot write file '", path.string(), "': ", reason(errno));

  // From here on every failure removes the temporary before throwing.
  auto fail = [&](const char* what, int err) {
    if (fd >= 0) ::close(fd);
    ::unlink(temp.c_str());
    detail::fail("cannot write file '", path.string(), "': ", what, ": ", reason(err));
  };
  const char* p = content.data();
  std::size_t left = content.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("write failed", errno);
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) fail("fsync failed", errno);
  int rc = ::close(fd);
  fd = -1;
  if (rc != 0) fail("close failed", errno);
  if (::rename(temp.c_str(), path.c_str()) != 0) fail("rename failed", errno);

  // Make the new directory entry durable too; a failure here does not undo the write.
  std::filesystem::path dir = path.parent_path().empty() ? "." : path.parent_path();
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

}  // namespace keel::train
