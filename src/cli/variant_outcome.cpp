#include "variant_outcome.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <string_view>

#include "keel/core/error.h"

namespace keel::cli {

namespace {

// Fields are "<length>:<bytes>", so any text (newlines, colons) passes unchanged.
class Writer {
 public:
  void text(std::string_view s) {
    out_ += std::to_string(s.size());
    out_ += ':';
    out_ += s;
  }
  void number(double v) {
    char buf[64];
    auto res = std::to_chars(buf, buf + sizeof buf, v);
    text(std::string_view(buf, static_cast<std::size_t>(res.ptr - buf)));
  }
  void integer(std::int64_t v) { text(std::to_string(v)); }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool done() const { return pos_ == in_.size(); }
  std::string_view text() {
    const std::size_t colon = in_.find(':', pos_);
    KEEL_CHECK(colon != std::string_view::npos, "compare: a rank sent a malformed variant result");
    std::size_t len = 0;
    auto res = std::from_chars(in_.data() + pos_, in_.data() + colon, len);
    KEEL_CHECK(res.ec == std::errc() && res.ptr == in_.data() + colon && len <= in_.size() - colon - 1,
               "compare: a rank sent a malformed variant result");
    std::string_view out = in_.substr(colon + 1, len);
    pos_ = colon + 1 + len;
    return out;
  }
  double number() {
    const std::string_view s = text();
    if (s == "nan" || s == "-nan") return NAN;
    if (s == "inf") return INFINITY;
    if (s == "-inf") return -INFINITY;
    double v = 0;
    auto res = std::from_chars(s.data(), s.data() + s.size(), v);
    KEEL_CHECK(res.ec == std::errc() && res.ptr == s.data() + s.size(),
               "compare: a rank sent a malformed number '", s, "'");
    return v;
  }
  std::int64_t integer() {
    const std::string_view s = text();
    std::int64_t v = 0;
    auto res = std::from_chars(s.data(), s.data() + s.size(), v);
    KEEL_CHECK(res.ec == std::errc() && res.ptr == s.data() + s.size(),
               "compare: a rank sent a malformed count '", s, "'");
    return v;
  }

 private:
  std::string_view in_;
  std::size_t pos_ = 0;
};

void write_lines(Writer& w, const std::vector<std::string>& lines) {
  w.integer(static_cast<std::int64_t>(lines.size()));
  for (const auto& l : lines) w.text(l);
}

std::vector<std::string> read_lines(Reader& r) {
  const std::int64_t n = r.integer();
  KEEL_CHECK(n >= 0 && n < 1000000, "compare: a rank sent a malformed list");
  std::vector<std::string> out;
  for (std::int64_t i = 0; i < n; ++i) out.emplace_back(r.text());
  return out;
}

}  // namespace

std::string encode(const std::vector<VariantOutcome>& outcomes) {
  Writer w;
  for (const VariantOutcome& o : outcomes) {
    const train::VariantResult& v = o.result;
    w.integer(static_cast<std::int64_t>(o.index));
    w.text(v.name);
    w.text(v.description);
    w.text(v.log.to_csv());
    w.integer(v.near_zero_weight_share ? 1 : 0);
    w.number(v.near_zero_weight_share.value_or(0));
    w.integer(v.diagnosis ? 1 : 0);
    const train::Diagnosis d = v.diagnosis.value_or(train::Diagnosis{});
    w.integer(static_cast<std::int64_t>(d.verdict));
    w.text(d.summary);
    write_lines(w, d.evidence);
    write_lines(w, d.remedies);
    w.integer(v.stopped_nonfinite ? 1 : 0);
    w.integer(v.stopped_nonfinite.value_or(0));
    w.number(o.test_acc);
    w.integer(o.interrupted ? 1 : 0);
    w.integer(o.exit_code);
    w.text(o.message);
  }
  return w.take();
}

std::vector<VariantOutcome> decode(const std::string& bytes) {
  Reader r(bytes);
  std::vector<VariantOutcome> out;
  while (!r.done()) {
    VariantOutcome o;
    train::VariantResult& v = o.result;
    const std::int64_t index = r.integer();
    KEEL_CHECK(index >= 0, "compare: a rank sent a malformed variant index");
    o.index = static_cast<std::size_t>(index);
    v.name = r.text();
    v.description = r.text();
    v.log = train::MetricsLog::parse_csv(r.text(), "variant '" + v.name + "' metrics");
    const bool has_share = r.integer() != 0;
    const double share = r.number();
    if (has_share) v.near_zero_weight_share = share;
    const bool has_diagnosis = r.integer() != 0;
    train::Diagnosis d;
    const std::int64_t verdict = r.integer();
    KEEL_CHECK(verdict >= 0 && verdict <= static_cast<std::int64_t>(train::Verdict::GoodFit),
               "compare: a rank sent an unknown verdict ", verdict);
    d.verdict = static_cast<train::Verdict>(verdict);
    d.summary = r.text();
    d.evidence = read_lines(r);
    d.remedies = read_lines(r);
    if (has_diagnosis) v.diagnosis = d;
    const bool has_stop = r.integer() != 0;
    const std::int64_t stop = r.integer();
    if (has_stop) v.stopped_nonfinite = static_cast<int>(stop);
    o.test_acc = r.number();
    o.interrupted = r.integer() != 0;
    o.exit_code = static_cast<int>(r.integer());
    o.message = r.text();
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace keel::cli
