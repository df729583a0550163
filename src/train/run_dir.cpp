#include "train/run_dir.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <vector>

#include "keel/core/error.h"
#include "keel/io/atomic_file.h"
#include "keel/io/checkpoint.h"
#include "keel/train/trainer.h"
#include "train/run_state.h"

namespace keel::train::detail {
namespace {

// The files an epoch commit stages; kStateFile is the commit point itself.
constexpr const char* kStagedFiles[] = {kBestFile, kLastFile, kMetricsFile, kCurvesFile, kSummaryFile};
constexpr std::string_view kStagedInfix = ".commit-";

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

// Splits "<target>.commit-<N>" into target and N; false for any other name.
bool parse_staged(const std::string& file, std::string& target, int& epoch) {
  const auto at = file.rfind(kStagedInfix);
  if (at == std::string::npos) return false;
  const std::string_view digits = std::string_view(file).substr(at + kStagedInfix.size());
  if (!all_digits(digits) || digits.size() > 9) return false;
  target = file.substr(0, at);
  epoch = std::stoi(std::string(digits));
  for (const char* f : kStagedFiles)
    if (target == f) return true;
  return false;
}

bool is_temporary(const std::string& file) {
  const auto at = file.rfind(".tmp.");
  return at != std::string::npos && all_digits(std::string_view(file).substr(at + 5));
}

std::vector<std::string> entries(const fs::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) out.push_back(e.path().filename().string());
  return out;
}

void remove_file(const fs::path& p) {
  std::error_code ec;
  fs::remove(p, ec);
  KEEL_CHECK(!ec, "cannot remove '", p.string(), "': ", ec.message());
}

void sync_directory(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

}  // namespace

RunDirLock::RunDirLock(const fs::path& dir) {
  const fs::path path = dir / kLockFile;
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
  KEEL_CHECK(fd_ >= 0, "cannot write the run directory '", dir.string(), "': cannot create '", path.string(),
             "': ", std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    char buf[32] = {};
    const ssize_t n = ::pread(fd_, buf, sizeof buf - 1, 0);
    ::close(fd_);
    fd_ = -1;
    std::string holder = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "";
    while (!holder.empty() && std::isspace(static_cast<unsigned char>(holder.back()))) holder.pop_back();
    KEEL_CHECK(error != EWOULDBLOCK, "the run directory '", dir.string(),
               "' is in use by another keel process",
               holder.empty() ? std::string() : " (pid " + holder + ")", "; wait for it to end (its lock is ",
               path.string(), ")");
    keel::detail::fail("cannot lock '", path.string(), "': ", std::strerror(error));
  }
  // The holder's pid, for the error above; the lock itself is what excludes.
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd_, 0) != 0 ||
      ::pwrite(fd_, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    // Best effort: the lock holds without the pid in it.
  }
}

RunDirLock::~RunDirLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

bool holds_run_outputs(const fs::path& dir) {
  // Staged files do not count: without a training state no epoch was committed, and they are
  // what a kill during the first epoch's commit leaves.
  for (const std::string& f : entries(dir)) {
    if (f == kStateFile) return true;
    for (const char* out : kStagedFiles)
      if (f == out) return true;
  }
  return false;
}

void remove_run_outputs(const fs::path& dir) {
  // The training state goes first: without it, a kill part way leaves no committed epoch that a
  // later start would roll staged files forward to.
  remove_file(dir / kStateFile);
  for (const std::string& f : entries(dir)) {
    std::string target;
    int epoch = 0;
    if (parse_staged(f, target, epoch)) remove_file(dir / f);
  }
  for (const char* f : kStagedFiles) remove_file(dir / f);
}

void remove_stale_temporaries(const fs::path& dir) {
  for (const std::string& f : entries(dir))
    if (is_temporary(f)) remove_file(dir / f);
}

std::string staged_name(std::string_view name, int epoch) {
  return std::string(name) + std::string(kStagedInfix) + std::to_string(epoch);
}

fs::path committed_path(const fs::path& dir, std::string_view name, int epoch) {
  const fs::path staged = dir / staged_name(name, epoch);
  return fs::exists(staged) ? staged : dir / name;
}

void recover(const fs::path& dir, int committed, const std::function<void(const std::string&)>& after_write) {
  bool renamed = false;
  for (const std::string& f : entries(dir)) {
    std::string target;
    int epoch = 0;
    if (!parse_staged(f, target, epoch)) continue;
    if (epoch != committed) {
      remove_file(dir / f);  // staged by an epoch whose commit never happened
      continue;
    }
    std::error_code ec;
    fs::rename(dir / f, dir / target, ec);
    KEEL_CHECK(!ec, "cannot rename '", (dir / f).string(), "' to '", target, "': ", ec.message());
    renamed = true;
    if (after_write) after_write(target);
  }
  if (renamed) sync_directory(dir);
}

int committed_epoch(const fs::path& dir) {
  const fs::path state = dir / kStateFile;
  if (!fs::exists(state)) return 0;
  return read_epoch(io::read_safetensors_header(state.string()).metadata, state.string());
}

void RunFiles::write_text(const std::string& name, std::string_view text) {
  if (!enabled_) return;
  io::write_file_atomic(path(name).string(), text);
  wrote(name);
}

void RunFiles::save_checkpoint(const std::string& name, const nn::Module& model,
                               const io::Metadata& metadata) {
  if (!enabled_) return;
  io::save_checkpoint(path(name).string(), model, metadata);
  wrote(name);
}

void RunFiles::save_state(const nn::Module& model, const optim::Optimizer& optimizer,
                          const io::Metadata& metadata) {
  if (!enabled_) return;
  io::save_training_state(path(kStateFile).string(), model, optimizer, metadata);
  wrote(kStateFile);
}

}  // namespace keel::train::detail
