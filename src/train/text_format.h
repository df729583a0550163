#pragma once
// Number formatting for keel's reports. std::to_chars is locale-independent, so an SVG
// coordinate never gets a decimal comma whatever locale the program runs under.
#include <charconv>
#include <cmath>
#include <string>

namespace keel::train::detail {

// Fixed notation with `decimals` digits after the point; "nan"/"inf" for non-finite values.
inline std::string fixed(double v, int decimals) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, decimals);
  if (!std::isfinite(v) || r.ec != std::errc()) return std::isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf");
  std::string s(buf, r.ptr);
  // "-0.000" reads as a sign that is not there.
  if (s[0] == '-' && s.find_first_not_of("0.", 1) == std::string::npos) s.erase(0, 1);
  return s;
}

// A loss-like value: 3 decimals in the usual range, scientific when tiny or huge.
inline std::string value3(double v) {
  double a = std::fabs(v);
  if (std::isfinite(v) && v != 0.0 && (a < 1e-3 || a >= 1e6)) {
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific, 2);
    return std::string(buf, r.ptr);
  }
  return fixed(v, 3);
}

// A fraction as a percentage with one decimal: 0.8734 -> "87.3%".
inline std::string percent(double fraction) { return fixed(fraction * 100.0, 1) + "%"; }

// Shortest round-trip form, for files that are read back.
inline std::string round_trip(double v) {
  if (std::isnan(v)) return "nan";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

}  // namespace keel::train::detail
