#pragma once
// A reader for numeric CSV tables: feature columns of numbers and one integer label column.
// Like idx.h it depends only on the standard library (fuzz/ builds it alone); keel/data/csv.h
// makes a TensorDataset of the result.
//
// Accepted: ',' (or another single-character) delimiters, an optional header line, fields
// optionally in double quotes, spaces around fields, CRLF or LF line ends, blank lines
// (skipped), '#' comment lines (skipped). Features must be finite numbers; labels integers.
// Errors name the source, the line and the column.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace keel::io {

struct CsvOptions {
  enum class Header { Auto, Yes, No };
  // Auto: the first line is a header when one of its fields is not a number.
  Header header = Header::Auto;
  // The label column by name (needs a header) or by index (negative counts from the end).
  // When neither is set, the last column is the label.
  std::optional<std::string> label_name;
  std::optional<std::int64_t> label_index;
  char delimiter = ',';
};

struct CsvTable {
  std::int64_t rows = 0;
  std::int64_t features = 0;               // feature columns (all columns but the label)
  std::vector<float> data;                 // rows x features, row-major
  std::vector<std::int64_t> labels;        // rows
  std::vector<std::string> feature_names;  // from the header, else "col<i>"
  std::string label_name;
};

// Parses CSV text; `source` names it in errors (usually the file path).
CsvTable parse_csv(std::string_view text, const CsvOptions& options, const std::string& source);

// Reads and parses a CSV file.
CsvTable read_csv_file(const std::string& path, const CsvOptions& options = {});

}  // namespace keel::io
