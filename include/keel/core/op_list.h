#pragma once
// keel's op table: the lists that declare each differentiable op once. They are X-macros, so
// one line expands into whatever a reader needs: kernel enums and dispatch cases
// (kernels/cpu/unary.*), public declarations and definitions (ops/), and the conformance test
// (tests/ops/conformance_test.cpp) that runs a float64 gradcheck and the PyTorch golden case of
// every entry. docs/design.md ("The op table") explains the columns and how to add an op.
//
// It lives in core/, the bottom layer, because kernels, ops and tests all expand it: it
// includes nothing and declares only the small enums its columns use.

namespace keel::op_table {

// Which tensor a unary backward formula reads: the op's input x or its output y.
enum class Saved { Input, Output };

// The inputs a gradcheck samples for a unary op: any real value, or positive values only
// (log, sqrt, rsqrt), away from the points where the derivative is undefined.
enum class Domain { Real, Positive };

// Per-element cost of a unary kernel: transcendental functions get smaller parallel grains.
enum class Cost { Cheap, Costly };

// How an op gets its backward:
//   Kernel    its own autograd node over a kernel (or a fused kernel pass)
//   Fused     its own node doing the work of several ops in one pass (BatchNorm+ReLU, ...)
//   Composed  recorded by the ops it is built from; the node named is the one at its root
//   View      a view or copy whose node maps the gradient back to the base's layout
enum class Kind { Kernel, Fused, Composed, View };

// The input dtypes an op accepts (F: float32 and float64; FI: also int64).
enum Dtypes : unsigned { F32 = 1, F64 = 2, I64 = 4, F = F32 | F64, FI = F | I64 };

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
  X(Tanh, tanh, TanhBackward0, Output, Real, Costly, activation, "tanh")             \
  X(Softplus, softplus, SoftplusBackward0, Input, Real, Costly, activation, "softplus")

// ---- Every other differentiable op -----------------------------------------------------------
//   X(id, torch_name, Kind, Dtypes, BackwardNode, forward, golden_family, golden_case)
//   id            the entry's name (an identifier; overloads and fused paths get their own)
//   torch_name    PyTorch's name of the op
//   Kind, Dtypes  see op_table::Kind and op_table::Dtypes
//   BackwardNode  the autograd node at the output's root (PyTorch's grad_fn name)
//   forward       keel's public function or method that runs it
//   golden_*      the PyTorch case (with gradients) the conformance test replays
// The simple unary ops above are entries too (Kernel, F, forward keel::<fn>).
#define KEEL_OPS(X)                                                                                          \
  /* arithmetic */                                                                                           \
  X(add, "add", Kernel, FI, AddBackward0, "keel::add", arithmetic, "add_alpha")                              \
  X(add_scalar, "add", Kernel, FI, AddBackward0, "keel::add(Tensor, double)", arithmetic, "add_scalar")      \
  X(sub, "sub", Kernel, FI, SubBackward0, "keel::sub", arithmetic, "sub_broadcast_col")                      \
  X(rsub_scalar, "rsub", Composed, FI, RsubBackward1, "operator-(double, Tensor)", arithmetic,               \
    "rsub_scalar")                                                                                           \
  X(mul, "mul", Kernel, FI, MulBackward0, "keel::mul", arithmetic, "mul_outer")                              \
  X(div, "div", Kernel, F, DivBackward0, "keel::div", arithmetic, "div_broadcast")                           \
  X(rdiv_scalar, "reciprocal", Composed, F, DivBackward0, "operator/(double, Tensor)", arithmetic,           \
    "rdiv_scalar")                                                                                           \
  X(neg, "neg", Composed, FI, MulBackward0, "keel::neg", arithmetic, "neg")                                  \
  X(maximum, "maximum", Kernel, FI, MaximumBackward0, "keel::maximum", unary, "maximum_broadcast")           \
  X(minimum, "minimum", Kernel, FI, MinimumBackward0, "keel::minimum", unary, "minimum_broadcast")           \
  /* in-place methods, recorded on their (non-leaf) tensor with autograd::record_inplace */                  \
  X(add_, "add_", Kernel, FI, AddBackward0, "Tensor::add_", arithmetic, "add_inplace_alpha")                 \
  X(sub_, "sub_", Kernel, FI, SubBackward0, "Tensor::sub_", arithmetic, "sub_inplace")                       \
  X(mul_, "mul_", Kernel, FI, MulBackward0, "Tensor::mul_", arithmetic, "mul_inplace")                       \
  X(div_, "div_", Kernel, F, DivBackward0, "Tensor::div_", arithmetic, "div_inplace")                        \
  X(clamp_, "clamp_", Kernel, F, ClampBackward1, "Tensor::clamp_", unary, "clamp_inplace")                   \
  X(masked_fill_, "masked_fill_", Kernel, FI, MaskedFillBackward0, "Tensor::masked_fill_", indexing,         \
    "masked_fill_inplace")                                                                                   \
  X(copy_, "copy_", Kernel, FI, CopyBackwards, "Tensor::copy_", views, "copy_inplace_broadcast")             \
  X(fill_, "fill_", Kernel, FI, FillBackward2, "Tensor::fill_", views, "fill_inplace")                       \
  X(zero_, "zero_", Kernel, FI, ZeroBackward0, "Tensor::zero_", views, "zero_inplace")                       \
  X(uniform_, "uniform_", Kernel, F, UniformBackward0, "keel::uniform_", views, "uniform_inplace_point")     \
  X(normal_, "normal_", Kernel, F, NormalBackward0, "keel::normal_", views, "normal_inplace_std0")           \
  /* unary math and activations with parameters or integer paths */                                          \
  X(pow_scalar, "pow", Kernel, F, PowBackward0, "keel::pow(Tensor, double)", unary, "pow_2.5")               \
  X(pow_tensor, "pow", Kernel, F, PowBackward1, "keel::pow(Tensor, Tensor)", unary, "pow_tensor")            \
  X(abs, "abs", Kernel, FI, AbsBackward0, "keel::abs", unary, "abs")                                         \
  X(sign, "sign", Kernel, FI, SignBackward0, "keel::sign", unary, "sign")                                    \
  X(clamp, "clamp", Kernel, FI, ClampBackward1, "keel::clamp", unary, "clamp")                               \
  X(clamp_min, "clamp_min", Kernel, FI, ClampMinBackward0, "keel::clamp_min", unary, "clamp_min")            \
  X(clamp_max, "clamp_max", Kernel, FI, ClampMaxBackward0, "keel::clamp_max", unary, "clamp_max")            \
  X(relu, "relu", Kernel, FI, ReluBackward0, "keel::relu", activation, "relu")                               \
  X(gelu, "gelu", Kernel, F, GeluBackward0, "keel::gelu", activation, "gelu")                                \
  X(gelu_tanh, "gelu", Kernel, F, GeluBackward0, "keel::gelu(x, \"tanh\")", activation, "gelu_tanh")         \
  X(leaky_relu, "leaky_relu", Kernel, F, LeakyReluBackward0, "keel::leaky_relu", activation, "leaky_relu")   \
  X(elu, "elu", Kernel, F, EluBackward0, "keel::elu", activation, "elu")                                     \
  /* selection and indexing */                                                                               \
  X(where, "where", Kernel, FI, WhereBackward0, "keel::where", indexing, "where_broadcast")                  \
  X(masked_fill, "masked_fill", Kernel, FI, MaskedFillBackward0, "keel::masked_fill", indexing,              \
    "masked_fill_broadcast_mask")                                                                            \
  X(cat, "cat", Kernel, FI, CatBackward0, "keel::cat", indexing, "cat1")                                     \
  X(stack, "stack", Kernel, FI, StackBackward0, "keel::stack", indexing, "stack_last")                       \
  X(index_select, "index_select", Kernel, FI, IndexSelectBackward0, "keel::index_select", indexing,          \
    "index_select1")                                                                                         \
  X(embedding, "embedding", Composed, F, ViewBackward0, "nn::functional::embedding", rnn,                    \
    "embedding_padding0")                                                                                    \
  X(gather, "gather", Kernel, FI, GatherBackward0, "keel::gather", indexing, "gather1")                      \
  /* reductions */                                                                                           \
  X(sum, "sum", Kernel, FI, SumBackward0, "keel::sum(Tensor)", reduce, "sum_all")                            \
  X(sum_dim, "sum", Kernel, FI, SumBackward1, "keel::sum(Tensor, dims, keepdim)", reduce, "sum_dims02_keep") \
  X(mean, "mean", Kernel, F, MeanBackward0, "keel::mean(Tensor)", reduce, "mean_all")                        \
  X(mean_dim, "mean", Kernel, F, MeanBackward1, "keel::mean(Tensor, dims, keepdim)", reduce, "mean_dim1_3d") \
  X(var, "var", Kernel, F, VarBackward0, "keel::var", reduce, "var_dim1")                                    \
  X(std, "std", Kernel, F, StdBackward0, "keel::std", reduce, "std_dim1")                                    \
  X(norm, "norm", Kernel, F, NormBackward1, "keel::norm", reduce, "norm_p3_dims02")                          \
  X(norm_all, "norm", Kernel, F, NormBackward1, "keel::norm(Tensor, p)", reduce, "norm_p2_all")              \
  X(amax, "amax", Kernel, FI, AmaxBackward0, "keel::amax", reduce, "amax_ties")                              \
  X(amin, "amin", Kernel, FI, AminBackward0, "keel::amin", reduce, "amin_ties_dim0")                         \
  X(max, "max", Kernel, FI, MaxBackward1, "keel::max(Tensor)", reduce, "max_all_ties")                       \
  X(min, "min", Kernel, FI, MinBackward1, "keel::min(Tensor)", reduce, "min_all_ties")                       \
  X(max_dim, "max", Kernel, FI, MaxBackward0, "keel::max(Tensor, dim, keepdim)", reduce, "max_dim0_keep")    \
  X(min_dim, "min", Kernel, FI, MinBackward0, "keel::min(Tensor, dim, keepdim)", reduce, "min_dim_neg")      \
  X(softmax, "softmax", Kernel, F, SoftmaxBackward0, "keel::softmax", softmax, "softmax_3d_dim1")            \
  X(log_softmax, "log_softmax", Kernel, F, LogSoftmaxBackward0, "keel::log_softmax", softmax,                \
    "log_softmax_3d_dim1")                                                                                   \
  /* linear algebra */                                                                                       \
  X(matmul, "matmul", Composed, F, BmmBackward0, "keel::matmul", linalg, "batched_same")                     \
  X(mm, "mm", Kernel, F, MmBackward0, "keel::mm", linalg, "mm_fn")                                           \
  X(bmm, "bmm", Kernel, F, BmmBackward0, "keel::bmm", linalg, "bmm")                                         \
  X(addmm, "addmm", Kernel, F, AddmmBackward0, "keel::addmm", linalg, "addmm_row_bias")                      \
  X(linear, "linear", Fused, F, AddmmBackward0, "nn::functional::linear", losses, "linear_2d")               \
  /* convolution and pooling */                                                                              \
  X(conv2d, "conv2d", Kernel, F, ConvolutionBackward0, "nn::functional::conv2d", conv, "conv2d_all_options") \
  X(conv1d, "conv1d", Composed, F, ViewBackward0, "nn::functional::conv1d", rnn, "conv1d_all_options")       \
  X(max_pool2d, "max_pool2d", Kernel, F, MaxPool2DWithIndicesBackward0, "nn::functional::max_pool2d",        \
    pooling, "max_pool2d_k3s2p1")                                                                            \
  X(max_pool2d_with_indices, "max_pool2d_with_indices", Kernel, F, MaxPool2DWithIndicesBackward0,            \
    "nn::functional::max_pool2d_with_indices", pooling, "max_pool2d_k3s2p1")                                 \
  X(avg_pool2d, "avg_pool2d", Kernel, F, AvgPool2DBackward0, "nn::functional::avg_pool2d", pooling,          \
    "avg_pool2d_k3s2p1_exclude_pad")                                                                         \
  X(adaptive_avg_pool2d, "adaptive_avg_pool2d", Kernel, F, AdaptiveAvgPool2DBackward0,                       \
    "nn::functional::adaptive_avg_pool2d", pooling, "adaptive_avg_pool2d_shrink")                            \
  /* normalization */                                                                                        \
  X(batch_norm, "batch_norm", Kernel, F, NativeBatchNormBackward0, "nn::functional::batch_norm",             \
    normalization, "BatchNorm2d_4d_m0.1_a1_t1_train")                                                        \
  X(batch_norm_relu, "batch_norm+relu", Fused, F, BatchNormReluBackward, "nn::functional::batch_norm_relu",  \
    normalization, "batch_norm_relu_train")                                                                  \
  X(batch_norm_relu_max_pool2d, "batch_norm+relu+max_pool2d", Fused, F, BatchNormReluMaxPool2dBackward,      \
    "nn::functional::batch_norm_relu_max_pool2d", normalization, "batch_norm_relu_max_pool2d_train")         \
  /* batch norm over a process group's global batch (keel/ops/sync_batch_norm.h) */                          \
  X(sync_batch_norm, "sync_batch_norm", Kernel, F, SyncBatchNormBackward, "ops::sync_batch_norm",            \
    sync_batch_norm, "BatchNorm1d_3d_splits_4_4")                                                            \
  X(layer_norm, "layer_norm", Kernel, F, NativeLayerNormBackward0, "nn::functional::layer_norm",             \
    normalization, "LayerNorm_4x5_a1")                                                                       \
  X(instance_norm, "instance_norm", Kernel, F, NativeInstanceNormBackward0, "nn::functional::instance_norm", \
    normalization, "InstanceNorm2d_4d_a1_t0_train")                                                          \
  X(group_norm, "group_norm", Kernel, F, NativeGroupNormBackward0, "nn::functional::group_norm",             \
    normalization, "GroupNorm_4d_g3_a1")                                                                     \
  X(dropout, "dropout", Composed, F, MulBackward0, "nn::functional::dropout", dropout, "dropout_p0_train")   \
  X(dropout2d, "dropout2d", Composed, F, MulBackward0, "nn::functional::dropout2d", dropout,                 \
    "dropout2d_p0_train")                                                                                    \
  /* losses and penalties */                                                                                 \
  X(cross_entropy, "cross_entropy", Fused, F, NllLossBackward0, "nn::functional::cross_entropy", losses,     \
    "ce_ignore_mean")                                                                                        \
  X(cross_entropy_composed, "cross_entropy", Composed, F, AddBackward0, "nn::functional::cross_entropy",     \
    losses, "ce_smooth_weight_ignore_mean")                                                                  \
  X(nll_loss, "nll_loss", Composed, F, DivBackward0, "nn::functional::nll_loss", losses, "nll_mean")         \
  X(mse_loss, "mse_loss", Composed, F, MeanBackward0, "nn::functional::mse_loss", losses, "mse_mean")        \
  X(l1_loss, "l1_loss", Composed, F, MeanBackward0, "nn::functional::l1_loss", losses, "l1_mean")            \
  X(binary_cross_entropy, "binary_cross_entropy", Kernel, F, BinaryCrossEntropyBackward0,                    \
    "keel::binary_cross_entropy", losses, "bce_edges_weight_mean")                                           \
  X(binary_cross_entropy_with_logits, "binary_cross_entropy_with_logits", Composed, F, MeanBackward0,        \
    "nn::functional::binary_cross_entropy_with_logits", losses, "bce_logits_pos_weight_mean")                \
  X(l1_penalty, "l1_penalty", Fused, F, L1PenaltyBackward, "nn::l1_penalty", penalty, "l1")                  \
  X(l2_penalty, "l2_penalty", Fused, F, L2PenaltyBackward, "nn::l2_penalty", penalty, "l2")                  \
  X(elastic_net_penalty, "elastic_net_penalty", Composed, F, AddBackward0, "nn::elastic_net_penalty",        \
    penalty, "elastic")                                                                                      \
  /* views and copies */                                                                                     \
  X(view, "view", View, FI, ViewBackward0, "Tensor::view", views, "view")                                    \
  X(reshape, "reshape", View, FI, ViewBackward0, "Tensor::reshape", views, "reshape_copy")                   \
  X(flatten, "flatten", View, FI, ViewBackward0, "Tensor::flatten", views, "flatten")                        \
  X(transpose, "transpose", View, FI, TransposeBackward0, "Tensor::transpose", views, "transpose")           \
  X(t, "t", View, FI, TransposeBackward0, "Tensor::t", views, "t")                                           \
  X(permute, "permute", View, FI, PermuteBackward0, "Tensor::permute", views, "permute")                     \
  X(narrow, "narrow", View, FI, SliceBackward0, "Tensor::narrow", views, "narrow")                           \
  X(slice, "slice", View, FI, SliceBackward0, "Tensor::slice", views, "slice_step")                          \
  X(select, "select", View, FI, SelectBackward0, "Tensor::select", views, "select")                          \
  X(squeeze, "squeeze", View, FI, ViewBackward0, "Tensor::squeeze", views, "squeeze")                        \
  X(unsqueeze, "unsqueeze", View, FI, UnsqueezeBackward0, "Tensor::unsqueeze", views, "unsqueeze")           \
  X(expand, "expand", View, FI, ExpandBackward0, "Tensor::expand", views, "expand")                          \
  X(clone, "clone", View, FI, CloneBackward0, "Tensor::clone", views, "clone")                               \
  X(to, "to", View, F, ToCopyBackward0, "Tensor::to", views, "to_other_float")
