#include "train/summary.h"

#include <cmath>
#include <cstdio>
#include <sstream>
#include <vector>

namespace keel::train::detail {
namespace {

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char ch : s) {
    switch (ch) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(ch) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", ch);
          out += buf;
        } else {
          out += ch;
        }
    }
  }
  return out + "\"";
}

// 17 significant digits read back to the same bits; JSON has no NaN, so those are null.
std::string json_number(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::string json_list(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + json_string(items[i]);
  return out + "]";
}

const char* status_name(TrainResult::Status s) {
  switch (s) {
    case TrainResult::Status::Completed:
      return "completed";
    case TrainResult::Status::Interrupted:
      return "interrupted";
    case TrainResult::Status::NonFinite:
      return "non-finite";
  }
  return "?";
}

}  // namespace

std::string summary_json(const TrainResult& r, const std::string& status) {
  std::ostringstream os;
  os << "{\n"
     << "  \"status\": " << json_string(status.empty() ? status_name(r.status) : status) << ",\n"
     << "  \"epochs\": " << r.log.size() << ",\n"
     << "  \"best_epoch\": " << r.best_epoch << ",\n"
     << "  \"best_val_acc\": " << json_number(r.best_val_acc) << ",\n"
     << "  \"test_acc\": " << json_number(r.test_acc) << ",\n"
     << "  \"test_loss\": " << json_number(r.test_loss) << ",\n"
     << "  \"stopped_early\": " << (r.stopped_early ? "true" : "false") << ",\n"
     << "  \"verdict\": " << json_string(to_string(r.diagnosis.verdict)) << ",\n"
     << "  \"diagnosis\": " << json_string(r.diagnosis.summary) << ",\n"
     << "  \"evidence\": " << json_list(r.diagnosis.evidence) << ",\n"
     << "  \"remedies\": " << json_list(r.diagnosis.remedies) << ",\n"
     << "  \"gradient_warnings\": " << json_list(r.gradient_warnings) << ",\n"
     << "  \"message\": " << json_string(r.message) << "\n"
     << "}\n";
  return os.str();
}

}  // namespace keel::train::detail
