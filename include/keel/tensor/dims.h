#pragma once
// Dims: a small inline vector of sizes or strides (at most kMaxDims entries), so shape
// bookkeeping never allocates.
#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <vector>

#include "keel/core/view.h"  // kMaxDims

namespace keel {

class Dims {
 public:
  Dims() = default;
  Dims(std::initializer_list<std::int64_t> v);
  Dims(const std::vector<std::int64_t>& v);  // NOLINT: implicit on purpose, like IntArrayRef
  Dims(const std::int64_t* p, int n);
  static Dims filled(int n, std::int64_t value);

  int size() const { return n_; }
  bool empty() const { return n_ == 0; }
  std::int64_t operator[](int i) const { return d_[i]; }
  std::int64_t& operator[](int i) { return d_[i]; }
  const std::int64_t* begin() const { return d_; }
  const std::int64_t* end() const { return d_ + n_; }
  std::int64_t* begin() { return d_; }
  std::int64_t* end() { return d_ + n_; }
  const std::int64_t* data() const { return d_; }
  std::int64_t back() const { return d_[n_ - 1]; }
  void push_back(std::int64_t v);
  void insert(int pos, std::int64_t v);
  void erase(int pos);
  void resize(int n, std::int64_t fill = 0);
  std::int64_t numel() const;  // product of entries (1 for no entries)
  std::vector<std::int64_t> vec() const { return {d_, d_ + n_}; }

  friend bool operator==(const Dims& a, const Dims& b);
  friend bool operator!=(const Dims& a, const Dims& b) { return !(a == b); }

 private:
  std::int64_t d_[kMaxDims] = {};
  int n_ = 0;
};

std::ostream& operator<<(std::ostream& os, const Dims& d);  // prints [2, 3]

// Contiguous (row-major) strides for the given sizes.
Dims contiguous_strides(const Dims& sizes);
// Wraps a possibly negative dim into [0, ndim); throws keel::Error naming `op` if out of range.
int wrap_dim(std::int64_t dim, int ndim, const char* op);
// The broadcast shape of a and b; throws keel::Error naming `op` if they do not broadcast.
Dims broadcast_shapes(const Dims& a, const Dims& b, const char* op);

}  // namespace keel
