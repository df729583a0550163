#pragma once
// Tolerance comparisons of tensors for the tests that check one computation against another
// (sync batch norm over ranks against batch norm on the global batch), with a message that
// says by how much they differ.
#include <gtest/gtest.h>
#include <keel/keel.h>

namespace keel::testing {

// |a - b| <= atol + rtol * max|b|, both converted to float64; a shape mismatch fails too.
::testing::AssertionResult near(const Tensor& a, const Tensor& b, double atol, double rtol = 0.0);

// A detached copy of t that requires grad: a fresh leaf whose gradient a test can read.
Tensor leaf(const Tensor& t);

}  // namespace keel::testing
