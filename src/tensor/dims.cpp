#include "keel/tensor/dims.h"

#include <ostream>

#include "keel/core/error.h"

namespace keel {

Dims::Dims(std::initializer_list<std::int64_t> v) : Dims(v.begin(), static_cast<int>(v.size())) {}
Dims::Dims(const std::vector<std::int64_t>& v) : Dims(v.data(), static_cast<int>(v.size())) {}
Dims::Dims(const std::int64_t* p, int n) {
  KEEL_CHECK(n <= kMaxDims, "keel: at most ", kMaxDims, " dimensions are supported, got ", n);
  for (int i = 0; i < n; ++i) d_[i] = p[i];
  n_ = n;
}

Dims Dims::filled(int n, std::int64_t value) {
  Dims d;
  d.resize(n, value);
  return d;
}

void Dims::push_back(std::int64_t v) {
  KEEL_CHECK(n_ < kMaxDims, "keel: at most ", kMaxDims, " dimensions are supported");
  d_[n_++] = v;
}

void Dims::insert(int pos, std::int64_t v) {
  KEEL_CHECK(n_ < kMaxDims, "keel: at most ", kMaxDims, " dimensions are supported");
  for (int i = n_; i > pos; --i) d_[i] = d_[i - 1];
  d_[pos] = v;
  ++n_;
}

void Dims::erase(int pos) {
  for (int i = pos; i + 1 < n_; ++i) d_[i] = d_[i + 1];
  --n_;
}

void Dims::resize(int n, std::int64_t fill) {
  KEEL_CHECK(n >= 0 && n <= kMaxDims, "keel: at most ", kMaxDims, " dimensions are supported, got ", n);
  for (int i = n_; i < n; ++i) d_[i] = fill;
  n_ = n;
}

std::int64_t Dims::numel() const {
  std::int64_t r = 1;
  for (int i = 0; i < n_; ++i)
    if (d_[i] == 0) return 0;  // [huge, huge, 0] holds nothing; its partial products may overflow
  // A wrapped product would allocate a few bytes and let kernels write far past them.
  for (int i = 0; i < n_; ++i)
    KEEL_CHECK(!__builtin_mul_overflow(r, d_[i], &r), "shape ", *this,
               " has more elements than an int64 can count");
  return r;
}

bool operator==(const Dims& a, const Dims& b) {
  if (a.n_ != b.n_) return false;
  for (int i = 0; i < a.n_; ++i)
    if (a.d_[i] != b.d_[i]) return false;
  return true;
}

std::ostream& operator<<(std::ostream& os, const Dims& d) {
  os << '[';
  for (int i = 0; i < d.size(); ++i) os << (i ? ", " : "") << d[i];
  return os << ']';
}

Dims contiguous_strides(const Dims& sizes) {
  Dims s = Dims::filled(sizes.size(), 1);
  std::int64_t acc = 1;
  for (int i = sizes.size() - 1; i >= 0; --i) {
    s[i] = acc;
    // An empty tensor's strides are never followed, so only a non-empty shape must not overflow.
    if (__builtin_mul_overflow(acc, sizes[i] > 0 ? sizes[i] : 1, &acc)) (void)sizes.numel();
  }
  return s;
}

int wrap_dim(std::int64_t dim, int ndim, const char* op) {
  int n = ndim > 0 ? ndim : 1;  // a 0-d tensor accepts dim 0 and -1, as in PyTorch
  KEEL_CHECK(dim >= -n && dim < n, op, ": dimension out of range (expected to be in range of [", -n, ", ",
             n - 1, "], but got ", dim, ")");
  return static_cast<int>(dim < 0 ? dim + n : dim);
}

Dims broadcast_shapes(const Dims& a, const Dims& b, const char* op) {
  int n = a.size() > b.size() ? a.size() : b.size();
  Dims out = Dims::filled(n, 1);
  for (int i = 0; i < n; ++i) {
    int ia = a.size() - n + i, ib = b.size() - n + i;
    std::int64_t sa = ia >= 0 ? a[ia] : 1, sb = ib >= 0 ? b[ib] : 1;
    KEEL_CHECK(sa == sb || sa == 1 || sb == 1, op, ": shapes ", a, " and ", b, " cannot be broadcast (size ",
               sa, " vs ", sb, " at dimension ", i, ")");
    out[i] = sa == 1 ? sb : sa;
  }
  return out;
}

}  // namespace keel
