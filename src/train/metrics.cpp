// MetricsLog: the CSV format of metrics.csv (written atomically, read back strictly) and the
// headline figures of a run.
#include "keel/train/metrics.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>

#include "keel/core/error.h"
#include "keel/train/atomic_write.h"
#include "train/text_format.h"

namespace keel::train {
namespace {

constexpr int kFields = 8;
constexpr const char* kFieldNames[kFields] = {"epoch",   "train_loss", "train_acc", "val_loss",
                                              "val_acc", "lr",         "grad_norm", "seconds"};

double* field_ptr(EpochMetrics& m, int i) {
  switch (i) {
    case 1:
      return &m.train_loss;
    case 2:
      return &m.train_acc;
    case 3:
      return &m.val_loss;
    case 4:
      return &m.val_acc;
    case 5:
      return &m.lr;
    case 6:
      return &m.grad_norm;
    default:
      return &m.seconds;
  }
}

// Shows a field as found, shortened, for error messages.
std::string quoted(std::string_view s) {
  std::string out = "'";  // appended, not prepended: GCC 12 has a false -Wrestrict on "'" + string
  out += s.size() > 32 ? s.substr(0, 32) : s;
  out += s.size() > 32 ? "...'" : "'";
  return out;
}

// std::from_chars spells infinity "inf"; it also accepts "infinity" and "nan(...)", which is fine.
bool parse_double(std::string_view s, double& out, std::errc& ec) {
  if (s.empty()) return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  ec = r.ec;
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

}  // namespace

void MetricsLog::truncate_after(int epoch) {
  std::erase_if(rows_, [epoch](const EpochMetrics& m) { return m.epoch > epoch; });
}

std::string MetricsLog::to_csv() const {
  std::string out(kCsvHeader);
  out += '\n';
  for (const auto& m : rows_) {
    out += std::to_string(m.epoch);
    EpochMetrics copy = m;
    for (int i = 1; i < kFields; ++i) {
      out += ',';
      out += detail::round_trip(*field_ptr(copy, i));
    }
    out += '\n';
  }
  return out;
}

MetricsLog MetricsLog::parse_csv(std::string_view text, const std::string& source) {
  MetricsLog log;
  std::size_t pos = 0;
  int line_no = 0;
  bool saw_header = false;
  while (pos < text.size()) {
    std::size_t eol = text.find('\n', pos);
    std::size_t next = eol == std::string_view::npos ? text.size() : eol + 1;
    std::string_view line = text.substr(pos, (eol == std::string_view::npos ? text.size() : eol) - pos);
    pos = next;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const std::string where = source + ":" + std::to_string(line_no);
    if (!saw_header) {
      KEEL_CHECK(line == kCsvHeader, where, ":1: expected the header '", kCsvHeader, "', found ",
                 quoted(line));
      saw_header = true;
      continue;
    }
    KEEL_CHECK(!line.empty(), where, ":1: empty line");

    EpochMetrics m;
    std::size_t start = 0;
    for (int f = 0; f < kFields; ++f) {
      const std::size_t column = start + 1;
      std::size_t comma = line.find(',', start);
      const bool last = f == kFields - 1;
      if (!last) {
        KEEL_CHECK(comma != std::string_view::npos, where, ":", line.size() + 1, ": expected ", kFields,
                   " comma-separated fields, found ", f + 1);
      } else {
        KEEL_CHECK(comma == std::string_view::npos, where, ":", comma + 1, ": expected ", kFields,
                   " comma-separated fields, found more");
        comma = line.size();
      }
      std::string_view field = line.substr(start, comma - start);
      start = comma + 1;
      KEEL_CHECK(!field.empty(), where, ":", column, ": empty field '", kFieldNames[f], "'");
      if (f == 0) {
        auto r = std::from_chars(field.data(), field.data() + field.size(), m.epoch);
        KEEL_CHECK(r.ec == std::errc() && r.ptr == field.data() + field.size() && m.epoch >= 0, where, ":",
                   column, ": 'epoch' must be a non-negative integer, found ", quoted(field));
        KEEL_CHECK(log.empty() || m.epoch > log.back().epoch, where, ":", column, ": epoch ", m.epoch,
                   " does not follow epoch ", log.back().epoch, " (epochs must increase)");
      } else {
        std::errc ec{};
        bool ok = parse_double(field, *field_ptr(m, f), ec);
        KEEL_CHECK(ec != std::errc::result_out_of_range, where, ":", column, ": '", kFieldNames[f],
                   "' is out of range: ", quoted(field));
        KEEL_CHECK(ok, where, ":", column, ": '", kFieldNames[f], "' must be a number (or nan/inf), found ",
                   quoted(field));
      }
    }
    log.push_back(m);
  }
  KEEL_CHECK(saw_header, source, ":1:1: empty file, expected the header '", kCsvHeader, "'");
  return log;
}

void MetricsLog::write_csv(const std::filesystem::path& path) const {
  write_text_file_atomic(path, to_csv());
}

MetricsLog MetricsLog::read_csv(const std::filesystem::path& path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  KEEL_CHECK(f != nullptr, "cannot read metrics file '", path.string(), "': ", std::strerror(errno));
  std::string text;
  char buf[1 << 14];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f.get())) > 0) text.append(buf, n);
  KEEL_CHECK(!std::ferror(f.get()), "cannot read metrics file '", path.string(), "': read error");
  return parse_csv(text, path.string());
}

RunSummary summarize(const MetricsLog& log) {
  RunSummary s;
  s.epochs = static_cast<int>(log.size());
  for (const auto& m : log) {
    // Strict comparisons keep the earliest epoch among ties: the one training could stop at.
    if (std::isfinite(m.val_acc) && (s.best_val_acc_epoch < 0 || m.val_acc > s.best_val_acc)) {
      s.best_val_acc = m.val_acc;
      s.best_val_acc_epoch = m.epoch;
    }
    if (std::isfinite(m.val_loss) && (s.best_val_loss_epoch < 0 || m.val_loss < s.best_val_loss)) {
      s.best_val_loss = m.val_loss;
      s.best_val_loss_epoch = m.epoch;
    }
    if (std::isfinite(m.seconds)) s.total_seconds += m.seconds;
  }
  if (!log.empty()) {
    const auto& last = log.back();
    s.final_train_loss = last.train_loss;
    s.final_val_loss = last.val_loss;
    s.final_train_acc = last.train_acc;
    s.final_val_acc = last.val_acc;
    s.final_acc_gap = last.train_acc - last.val_acc;
  }
  return s;
}

}  // namespace keel::train
