#pragma once
// Small helpers shared by the tensor-core tests.
#include <gtest/gtest.h>
#include <keel/keel.h>

#include <functional>
#include <string>
#include <vector>

namespace keel::testing {

// The values of t in row-major order, as doubles.
inline std::vector<double> values_of(const Tensor& t) {
  Tensor c = t.detach().to(kFloat64).contiguous();
  const double* p = c.data_ptr<double>();
  return std::vector<double>(p, p + c.numel());
}

// The element of t at `index` as a 0-dim view (read with item(), write with fill_()).
inline Tensor element(const Tensor& t, std::initializer_list<std::int64_t> index) {
  Tensor e = t;
  for (std::int64_t i : index) e = e.select(0, i);
  return e;
}

// Expects fn to throw keel::Error whose message contains every one of `parts`.
inline void expect_error(const std::function<void()>& fn, const std::vector<std::string>& parts) {
  try {
    fn();
    ADD_FAILURE() << "expected keel::Error";
  } catch (const Error& e) {
    std::string what = e.what();
    for (const auto& p : parts)
      EXPECT_NE(what.find(p), std::string::npos) << "'" << p << "' not in: " << what;
  }
}

}  // namespace keel::testing
