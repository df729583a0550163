// Numeric CSV parsing: one pass over the lines, fields split in place (string_views into
// the text), numbers parsed with std::from_chars (locale-independent, no allocation).
#include "keel/io/csv.h"

#include <charconv>
#include <cmath>
#include <sstream>

#include "keel/core/error.h"
#include "keel/io/idx.h"

namespace keel::io {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// A field as it appears in an error message: quoted, and cut when long.
std::string shown(std::string_view field) {
  constexpr std::size_t kMax = 40;
  std::string s = "'";
  s += field.substr(0, kMax);
  if (field.size() > kMax) s += "...";
  return s + "'";
}

class Parser {
 public:
  Parser(std::string_view text, const CsvOptions& options, const std::string& source)
      : text_(text), opt_(options), source_(source) {}

  CsvTable run() {
    CsvTable table;
    std::vector<std::string> fields;
    std::int64_t label_col = -1;
    std::int64_t ncols = -1;
    std::int64_t first_line = 0;
    bool saw_header = false;
    while (next_line()) {
      split(fields);
      if (ncols < 0) {
        ncols = static_cast<std::int64_t>(fields.size());
        first_line = line_no_;
        bool header = opt_.header == CsvOptions::Header::Yes;
        if (opt_.header == CsvOptions::Header::Auto) {
          for (const std::string& f : fields) header = header || !is_number(f);
        }
        KEEL_CHECK(ncols >= 2, "read_csv: ", source_, ":", line_no_, ": found ", ncols,
                   " column; expected at least one feature column and a label column");
        if (header) {
          header_ = fields;
          saw_header = true;
        }
        label_col = resolve_label(ncols);
        for (std::int64_t c = 0; c < ncols; ++c) {
          std::string name = header ? header_[c] : "col" + std::to_string(c);
          if (c == label_col) {
            table.label_name = name;
          } else {
            table.feature_names.push_back(name);
          }
        }
        if (header) continue;
      }
      KEEL_CHECK(static_cast<std::int64_t>(fields.size()) == ncols, "read_csv: ", source_, ":", line_no_,
                 ": ragged row: ", fields.size(), " fields, expected ", ncols, " (as in line ", first_line,
                 ")");
      for (std::int64_t c = 0; c < ncols; ++c) {
        if (c == label_col) {
          table.labels.push_back(parse_label(fields[c], c));
        } else {
          table.data.push_back(parse_feature(fields[c], c));
        }
      }
      ++table.rows;
    }
    KEEL_CHECK(ncols >= 0, "read_csv: ", source_, ": no data (the file is empty)");
    KEEL_CHECK(table.rows > 0, "read_csv: ", source_, ": no data rows",
               saw_header ? " after the header" : "");
    table.features = ncols - 1;
    return table;
  }

 private:
  // Advances to the next line that is neither blank nor a comment; false at the end.
  bool next_line() {
    while (pos_ < text_.size()) {
      std::size_t end = text_.find('\n', pos_);
      if (end == std::string_view::npos) end = text_.size();
      line_ = text_.substr(pos_, end - pos_);
      pos_ = end + 1;
      ++line_no_;
      std::string_view t = trim(line_);
      if (!t.empty() && t.front() != '#') return true;
    }
    return false;
  }

  // Splits the current line into trimmed fields; a field may be "quoted" ("" is a quote).
  void split(std::vector<std::string>& fields) {
    fields.clear();
    std::string_view s = line_;
    if (!s.empty() && s.back() == '\r') s.remove_suffix(1);
    std::size_t i = 0;
    for (;;) {
      while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
      std::string field;
      if (i < s.size() && s[i] == '"') {
        std::size_t start_col = fields.size() + 1;
        ++i;
        bool closed = false;
        while (i < s.size()) {
          if (s[i] == '"') {
            if (i + 1 < s.size() && s[i + 1] == '"') {
              field += '"';
              i += 2;
              continue;
            }
            ++i;
            closed = true;
            break;
          }
          field += s[i++];
        }
        KEEL_CHECK(closed, "read_csv: ", source_, ":", line_no_, ": column ", start_col,
                   ": unterminated quoted field");
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
        KEEL_CHECK(i == s.size() || s[i] == opt_.delimiter, "read_csv: ", source_, ":", line_no_, ": column ",
                   start_col, ": unexpected character after a closing quote");
      } else {
        std::size_t end = s.find(opt_.delimiter, i);
        if (end == std::string_view::npos) end = s.size();
        field = std::string(trim(s.substr(i, end - i)));
        i = end;
      }
      fields.push_back(std::move(field));
      if (i >= s.size()) break;
      ++i;  // the delimiter
    }
  }

  static bool parse_double(std::string_view f, double& v) {
    if (f.size() > 1 && f.front() == '+' && f[1] != '-') f.remove_prefix(1);
    if (f.empty()) return false;
    auto [p, ec] = std::from_chars(f.data(), f.data() + f.size(), v);
    return ec == std::errc() && p == f.data() + f.size();
  }
  static bool is_number(const std::string& f) {
    double v;
    return parse_double(f, v);
  }

  std::string column(std::int64_t c) const {
    std::string s = "column " + std::to_string(c + 1);
    if (!header_.empty()) s += " (" + shown(header_[c]) + ")";
    return s;
  }

  float parse_feature(const std::string& f, std::int64_t c) const {
    KEEL_CHECK(!f.empty(), "read_csv: ", source_, ":", line_no_, ": ", column(c), ": empty value");
    double v;
    KEEL_CHECK(parse_double(f, v), "read_csv: ", source_, ":", line_no_, ": ", column(c), ": ", shown(f),
               " is not a number");
    KEEL_CHECK(std::isfinite(v) && std::fabs(v) <= 3.4028234663852886e38, "read_csv: ", source_, ":",
               line_no_, ": ", column(c), ": ", shown(f), " is not a finite float32 number");
    return static_cast<float>(v);
  }

  std::int64_t parse_label(const std::string& f, std::int64_t c) const {
    KEEL_CHECK(!f.empty(), "read_csv: ", source_, ":", line_no_, ": ", column(c), ": empty label");
    std::int64_t label = 0;
    std::string_view s = f;
    if (s.size() > 1 && s.front() == '+' && s[1] != '-') s.remove_prefix(1);
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), label);
    if (ec == std::errc() && p == s.data() + s.size()) return label;
    // Accept integral values written as floats ("3.0", as some exporters write them).
    double v;
    KEEL_CHECK(parse_double(f, v) && std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 9.0e15,
               "read_csv: ", source_, ":", line_no_, ": ", column(c), ": label ", shown(f),
               " is not an integer class index");
    return static_cast<std::int64_t>(v);
  }

  std::int64_t resolve_label(std::int64_t ncols) const {
    if (opt_.label_name) {
      KEEL_CHECK(!header_.empty(), "read_csv: ", source_, ": label column '", *opt_.label_name,
                 "' was asked for by name, but the file has no header line");
      for (std::int64_t c = 0; c < ncols; ++c)
        if (header_[c] == *opt_.label_name) return c;
      std::ostringstream names;
      for (std::int64_t c = 0; c < ncols && c < 20; ++c) names << (c ? ", " : "") << header_[c];
      if (ncols > 20) names << ", ...";
      detail::fail("read_csv: ", source_, ": no column named '", *opt_.label_name,
                   "' (columns: ", names.str(), ")");
    }
    if (opt_.label_index) {
      std::int64_t c = *opt_.label_index < 0 ? *opt_.label_index + ncols : *opt_.label_index;
      KEEL_CHECK(c >= 0 && c < ncols, "read_csv: ", source_, ": label column index ", *opt_.label_index,
                 " is out of range for ", ncols, " columns");
      return c;
    }
    return ncols - 1;
  }

  std::string_view text_;
  const CsvOptions& opt_;
  const std::string& source_;
  std::size_t pos_ = 0;
  std::string_view line_;
  std::int64_t line_no_ = 0;
  std::vector<std::string> header_;
};

}  // namespace

CsvTable parse_csv(std::string_view text, const CsvOptions& options, const std::string& source) {
  KEEL_CHECK(options.delimiter != '"' && options.delimiter != '\n' && options.delimiter != '\r',
             "read_csv: invalid delimiter");
  return Parser(text, options, source).run();
}

CsvTable read_csv_file(const std::string& path, const CsvOptions& options) {
  std::vector<std::uint8_t> bytes = read_file_bytes(path);
  return parse_csv(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), options,
                   path);
}

}  // namespace keel::io
