// libFuzzer target for the CSV reader. The first byte picks the options (header mode,
// label column, delimiter); the rest is the CSV text. Any input must give a consistent
// table or throw keel::Error.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "keel/core/error.h"
#include "keel/io/csv.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t mode = data[0];
  keel::io::CsvOptions opt;
  opt.header = static_cast<keel::io::CsvOptions::Header>(mode % 3);
  switch ((mode / 3) % 4) {
    case 0:
      break;
    case 1:
      opt.label_index = 0;
      break;
    case 2:
      opt.label_index = -2;
      break;
    case 3:
      opt.label_name = "y";
      break;
  }
  opt.delimiter = (mode & 0x80) ? ';' : ',';
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  try {
    keel::io::CsvTable t = keel::io::parse_csv(text, opt, "fuzz.csv");
    if (t.rows <= 0 || t.features < 1 || t.data.size() != static_cast<std::size_t>(t.rows * t.features) ||
        t.labels.size() != static_cast<std::size_t>(t.rows) ||
        t.feature_names.size() != static_cast<std::size_t>(t.features))
      std::abort();
  } catch (const keel::Error&) {
  }
  return 0;
}
