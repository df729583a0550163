#pragma once
// keel's op table: the lists that declare each differentiable op once. They are X-macros, so
// one line expands into whatever a reader needs: kernel enums and dispatch cases
// (kernels/cpu/unary.*), public declarations and definitions (ops/), and tests.
//
// This header includes nothing and declares only the small enums its columns use, so kernels,
// ops and tests can all expand it.

namespace keel::op_table {

// Which tensor a unary backward formula reads: the op's input x or its output y.
enum class Saved { Input, Output };

// The inputs a gradcheck samples for a unary op: any real value, or positive values only
// (log, sqrt, rsqrt), away from the points where the derivative is undefined.
enum class Domain { Real, Positive };

// Per-element cost of a unary kernel: transcendental functions get smaller parallel grains.
enum class Cost { Cheap, Costly };
}  // namespace keel::op_table

// ---- Unary math that the table defines completely ------------------------------------------
// Float32/float64 elementwise functions of one tensor with no parameters; integer and bool
// inputs compute in float32, as in PyTorch. One line gives everything:
//   X(Kernel, fn, BackwardNode, Saved, Domain, Cost, golden_family, golden_case)
//   Kernel        kernels::UnaryOp / UnaryGradOp enumerator; kernels/cpu/unary.cpp holds the
//                 forward functor <Kernel>F<T> and the backward functor <Kernel>GradF<T>
//   fn            keel::fn(const Tensor&), declared in keel/ops/elementwise.h and defined in
//                 src/ops/unary.cpp from this line
//   BackwardNode  the autograd node's name (PyTorch's grad_fn name)
//   Saved         what the backward formula reads (op_table::Saved)
//   Domain, Cost  see op_table::Domain and op_table::Cost
//   golden_*      the PyTorch case in tests/golden/<family>.json that the conformance test replays
#define KEEL_SIMPLE_UNARY_OPS(X)                                                     \
  X(Exp, exp, ExpBackward0, Output, Real, Costly, unary, "exp")                      \
  X(Log, log, LogBackward0, Input, Positive, Costly, unary, "log")                   \
  X(Sqrt, sqrt, SqrtBackward0, Output, Positive, Cheap, unary, "sqrt")               \
  X(Rsqrt, rsqrt, RsqrtBackward0, Output, Positive, Cheap, unary, "rsqrt")           \
  X(Sigmoid, sigmoid, SigmoidBackward0, Output, Real, Costly, activation, "sigmoid") \
  X(Tanh, tanh, TanhBackward0, Output, Real, Costly, activation, "tanh")
