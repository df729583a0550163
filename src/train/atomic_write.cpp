#include "keel/train/atomic_write.h"

#include "keel/io/atomic_file.h"

namespace keel::train {

// One atomic writer serves the whole library: io's (temp file, fsync, rename).
void write_text_file_atomic(const std::filesystem::path& path, std::string_view content) {
  io::write_file_atomic(path.string(), content);
}

}  // namespace keel::train
