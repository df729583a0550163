#pragma once
// Finite-difference gradient checks in float64: for f(inputs), compares the gradient of
// sum(f(inputs) * w) (w fixed random weights) from backward() with central differences.
#include <keel/keel.h>

#include <functional>
#include <vector>

namespace keel::testing {

using Fn = std::function<Tensor(const std::vector<Tensor>&)>;

// Returns an empty string when every analytic gradient matches, else a description.
// Inputs must be float64; those with requires_grad() are checked.
std::string gradcheck(const Fn& f, const std::vector<Tensor>& inputs, double eps = 1e-6, double atol = 1e-5,
                      double rtol = 1e-4);

// A float64 tensor of the shape with values from a seeded uniform [lo, hi), requiring grad.
Tensor rand_input(const Dims& shape, double lo = -1.0, double hi = 1.0, std::uint64_t seed = 1);

// Max |a - b| over all elements (after converting both to float64); both must have one shape.
double max_abs_diff(const Tensor& a, const Tensor& b);

}  // namespace keel::testing

#define EXPECT_GRADCHECK(fn, ...)                                   \
  do {                                                              \
    std::string _msg = ::keel::testing::gradcheck(fn, __VA_ARGS__); \
    EXPECT_TRUE(_msg.empty()) << _msg;                              \
  } while (false)
