// operator<< for Tensor: the same text as Python's str(tensor) in PyTorch 1.13 with the
// default print options (precision 4, threshold 1000, edgeitems 3, linewidth 80). The
// structure follows torch/_tensor_str.py so that the two stay comparable line by line.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ostream>
#include <string>
#include <vector>

#include "keel/autograd/node.h"
#include "keel/tensor/tensor.h"

namespace keel {

namespace {

constexpr int kPrecision = 4;
constexpr std::int64_t kThreshold = 1000;
constexpr std::int64_t kEdgeItems = 3;
constexpr int kLineWidth = 80;

// The tensor's values as doubles (floating dtypes) or int64 (int64 and bool), row-major.
struct Values {
  Dims sizes;
  Dims strides;  // contiguous strides of sizes
  DType dtype;
  std::vector<double> f;
  std::vector<std::int64_t> i;
  bool floating() const { return is_floating_point(dtype); }
};

Values read_values(const Tensor& t) {
  Values v{t.sizes(), contiguous_strides(t.sizes()), t.dtype(), {}, {}};
  if (t.numel() == 0) return v;
  if (v.floating()) {
    Tensor c = t.detach().to(kFloat64).contiguous();
    const double* p = c.data_ptr<double>();
    v.f.assign(p, p + c.numel());
  } else {
    Tensor c = t.detach().to(kInt64).contiguous();
    const std::int64_t* p = c.data_ptr<std::int64_t>();
    v.i.assign(p, p + c.numel());
  }
  return v;
}

// The indices of a dim that get printed: all, or the first and last kEdgeItems.
std::vector<std::int64_t> shown_indices(std::int64_t size, bool summarize) {
  std::vector<std::int64_t> idx;
  if (summarize && size > 2 * kEdgeItems) {
    for (std::int64_t k = 0; k < kEdgeItems; ++k) idx.push_back(k);
    for (std::int64_t k = size - kEdgeItems; k < size; ++k) idx.push_back(k);
  } else {
    for (std::int64_t k = 0; k < size; ++k) idx.push_back(k);
  }
  return idx;
}

// Flat offsets of every printed element (PyTorch's get_summarized_data).
void collect(const Values& v, int d, std::int64_t base, bool summarize, std::vector<std::int64_t>& out) {
  if (d == v.sizes.size()) {
    out.push_back(base);
    return;
  }
  for (std::int64_t k : shown_indices(v.sizes[d], summarize))
    collect(v, d + 1, base + k * v.strides[d], summarize, out);
}

std::string printf_string(const char* fmt, int width, double x) {
  char buf[512];
  int n = width >= 0 ? std::snprintf(buf, sizeof buf, fmt, width, kPrecision, x)
                     : std::snprintf(buf, sizeof buf, fmt, kPrecision, x);
  return std::string(buf, static_cast<std::size_t>(std::max(n, 0)));
}

// Python's format() of nan and inf (printf would write "-nan" for a negative NaN).
bool non_finite(double x, std::string& out) {
  if (std::isnan(x)) {
    out = "nan";
  } else if (std::isinf(x)) {
    out = x > 0 ? "inf" : "-inf";
  } else {
    return false;
  }
  return true;
}

std::string fixed(double x) {  // '{:.4f}'
  std::string s;
  return non_finite(x, s) ? s : printf_string("%.*f", -1, x);
}
std::string scientific(double x) {  // '{:.4e}'
  std::string s;
  return non_finite(x, s) ? s : printf_string("%.*e", -1, x);
}
std::string integral(double x) {  // '{:.0f}'
  std::string s;
  if (non_finite(x, s)) return s;
  char buf[512];
  int n = std::snprintf(buf, sizeof buf, "%.0f", x);
  return std::string(buf, static_cast<std::size_t>(std::max(n, 0)));
}

// PyTorch's _Formatter: picks fixed, integer or scientific notation and one common width.
class Formatter {
 public:
  Formatter(const Values& v, const std::vector<std::int64_t>& shown)
      : floating_(v.floating()), dtype_(v.dtype) {
    if (!floating_) {
      for (std::int64_t k : shown) width_ = std::max<int>(width_, format_raw_int(v.i[k]).size());
      return;
    }
    std::vector<double> vals;
    for (std::int64_t k : shown)
      if (std::isfinite(v.f[k]) && v.f[k] != 0) vals.push_back(v.f[k]);
    if (vals.empty()) return;
    double lo = INFINITY, hi = 0;
    for (double x : vals) {
      lo = std::min(lo, std::fabs(x));
      hi = std::max(hi, std::fabs(x));
      if (x != std::ceil(x)) int_mode_ = false;
    }
    if (int_mode_) {
      if (hi / lo > 1000.0 || hi > 1e8) {
        sci_mode_ = true;
        for (double x : vals) width_ = std::max<int>(width_, scientific(x).size());
      } else {
        for (double x : vals) width_ = std::max<int>(width_, integral(x).size() + 1);
      }
    } else if (hi / lo > 1000.0 || hi > 1e8 || lo < 1e-4) {
      sci_mode_ = true;
      for (double x : vals) width_ = std::max<int>(width_, scientific(x).size());
    } else {
      for (double x : vals) width_ = std::max<int>(width_, fixed(x).size());
    }
  }

  int width() const { return width_; }

  std::string format(const Values& v, std::int64_t k) const {
    std::string s;
    if (!floating_) {
      s = format_raw_int(v.i[k]);
    } else if (sci_mode_) {
      s = scientific(v.f[k]);
    } else if (int_mode_) {
      s = integral(v.f[k]);
      if (std::isfinite(v.f[k])) s += '.';
    } else {
      s = fixed(v.f[k]);
    }
    if (static_cast<int>(s.size()) < width_) s.insert(0, width_ - s.size(), ' ');
    return s;
  }

 private:
  std::string format_raw_int(std::int64_t x) const {
    if (dtype_ == kBool) return x ? "True" : "False";
    return std::to_string(x);
  }

  bool floating_;
  DType dtype_;
  bool int_mode_ = true;
  bool sci_mode_ = false;
  int width_ = 1;
};

std::string join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (std::size_t k = 0; k < parts.size(); ++k) {
    if (k) out += sep;
    out += parts[k];
  }
  return out;
}

// "[" + s + "]" (appending avoids a GCC 12 -Wrestrict false positive on string operator+).
std::string bracket(const std::string& s) {
  std::string out;
  out.reserve(s.size() + 2);
  out += '[';
  out += s;
  out += ']';
  return out;
}

// _vector_str: one dim of elements, wrapped to the line width.
std::string vector_str(const Values& v, std::int64_t base, int indent, bool summarize, const Formatter& fmt) {
  const int d = v.sizes.size() - 1;
  const std::int64_t n = v.sizes[d], stride = v.strides[d];
  const int element_length = fmt.width() + 2;
  const int per_line =
      std::max(1, static_cast<int>(std::floor(static_cast<double>(kLineWidth - indent) / element_length)));
  std::vector<std::string> data;
  if (summarize && n > 2 * kEdgeItems) {
    for (std::int64_t k = 0; k < kEdgeItems; ++k) data.push_back(fmt.format(v, base + k * stride));
    data.push_back(" ...");
    for (std::int64_t k = n - kEdgeItems; k < n; ++k) data.push_back(fmt.format(v, base + k * stride));
  } else {
    for (std::int64_t k = 0; k < n; ++k) data.push_back(fmt.format(v, base + k * stride));
  }
  std::vector<std::string> lines;
  for (std::size_t k = 0; k < data.size(); k += per_line) {
    std::vector<std::string> line(data.begin() + k, data.begin() + std::min(data.size(), k + per_line));
    lines.push_back(join(line, ", "));
  }
  std::string sep = ",\n";
  sep.append(indent + 1, ' ');
  return bracket(join(lines, sep));
}

// _tensor_str_with_formatter for the sub-tensor starting at dim d.
std::string tensor_str(const Values& v, int d, std::int64_t base, int indent, bool summarize,
                       const Formatter& fmt) {
  const int rest = v.sizes.size() - d;
  if (rest == 0) return fmt.format(v, base);
  if (rest == 1) return vector_str(v, base, indent, summarize, fmt);
  const std::int64_t n = v.sizes[d];
  std::vector<std::string> slices;
  auto slice = [&](std::int64_t k) {
    return tensor_str(v, d + 1, base + k * v.strides[d], indent + 1, summarize, fmt);
  };
  if (summarize && n > 2 * kEdgeItems) {
    for (std::int64_t k = 0; k < kEdgeItems; ++k) slices.push_back(slice(k));
    slices.push_back("...");
    for (std::int64_t k = n - kEdgeItems; k < n; ++k) slices.push_back(slice(k));
  } else {
    for (std::int64_t k = 0; k < n; ++k) slices.push_back(slice(k));
  }
  std::string sep = ",";
  sep.append(rest - 1, '\n');
  sep.append(indent + 1, ' ');
  return bracket(join(slices, sep));
}

std::string shape_tuple(const Dims& s) {
  std::string out = "(";
  for (int k = 0; k < s.size(); ++k) out += (k ? ", " : "") + std::to_string(s[k]);
  return out + (s.size() == 1 ? ",)" : ")");
}

// _add_suffixes: ", suffix" on the last line while it fits in the line width, else on a new line.
std::string add_suffixes(const std::string& body, const std::vector<std::string>& suffixes, int indent) {
  std::string out = body;
  std::size_t nl = body.rfind('\n');
  std::int64_t last_line_len = static_cast<std::int64_t>(body.size()) -
                               (nl == std::string::npos ? -1 : static_cast<std::int64_t>(nl)) + 1;
  for (const std::string& suffix : suffixes) {
    const auto len = static_cast<std::int64_t>(suffix.size());
    if (last_line_len + len + 2 > kLineWidth) {
      out += ",\n" + std::string(indent, ' ') + suffix;
      last_line_len = indent + len;
    } else {
      out += ", " + suffix;
      last_line_len += len + 2;
    }
  }
  return out + ")";
}

}  // namespace

std::ostream& operator<<(std::ostream& os, const Tensor& t) {
  if (!t.defined()) return os << "tensor(undefined)";
  const std::string prefix = "tensor(";
  const int indent = prefix.size();
  std::vector<std::string> suffixes;
  std::string body;
  if (t.numel() == 0) {
    if (t.dim() != 1) suffixes.push_back("size=" + shape_tuple(t.sizes()));
    if (t.dtype() != kFloat32) suffixes.push_back(std::string("dtype=torch.") + dtype_name(t.dtype()));
    body = "[]";
  } else {
    if (t.dtype() == kFloat64) suffixes.push_back("dtype=torch.float64");
    Values v = read_values(t);
    const bool summarize = t.numel() > kThreshold;
    std::vector<std::int64_t> shown;
    collect(v, 0, 0, summarize, shown);
    Formatter fmt(v, shown);
    body = tensor_str(v, 0, 0, indent, summarize, fmt);
  }
  if (const auto& fn = t.grad_fn()) {
    suffixes.push_back(std::string("grad_fn=<") + fn->name() + ">");
  } else if (t.requires_grad()) {
    suffixes.push_back("requires_grad=True");
  }
  return os << add_suffixes(prefix + body, suffixes, indent);
}

}  // namespace keel
