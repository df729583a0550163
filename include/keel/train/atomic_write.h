#pragma once
// Atomic file replacement for keel's run outputs (metrics.csv, curves.svg, report.html).
// The bytes go to a hidden temporary file in the target's directory, are flushed to disk, and
// the temporary is renamed over the target; on any failure the temporary is removed and the
// target is left as it was. Errors throw keel::Error naming the path and the system's reason.
#include <filesystem>
#include <string_view>

namespace keel::train {

void write_text_file_atomic(const std::filesystem::path& path, std::string_view content);

}  // namespace keel::train
