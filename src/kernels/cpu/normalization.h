#pragma once
// Fused normalization kernels: each forward computes statistics, normalizes and applies the
// affine transform in as few passes over memory as possible; each backward produces
// grad_input, grad_weight and grad_bias together. Statistics are accumulated in double, and
// the per-row/per-channel mean and 1/std are float64 tensors whatever the data type.
//
// All tensors are contiguous and share the input's dtype (float32 or float64), except the
// statistics. An undefined weight means 1, an undefined bias 0; an undefined gradient output
// is not computed.
#include <cstdint>

#include "keel/core/view.h"

namespace keel::kernels {

// ---- batch norm: x viewed as (N, C, S); statistics per channel over N * S values --------------

// Training mode: batch statistics. Writes y, mean (C), invstd (C) = 1/sqrt(var + eps) and
// var (C, biased) for the running-stat update. `relu`: a ReLU fused on the output
// (y = x < 0 ? 0 : x after the affine step, as ReLU computes it).
void batch_norm_train_forward(const View& x, std::int64_t n, std::int64_t c, std::int64_t s,
                              const View& weight, const View& bias, double eps, const View& y,
                              const View& mean, const View& invstd, const View& var, bool relu = false);

// Normalizes with given per-channel mean and invstd (float64, C): y = (x - mean) * invstd * w + b.
void batch_norm_apply(const View& x, std::int64_t n, std::int64_t c, std::int64_t s, const View& mean,
                      const View& invstd, const View& weight, const View& bias, const View& y,
                      bool relu = false);

// Backward. `train`: mean/invstd were the batch's own statistics (so they depend on x);
// otherwise they were constants (running statistics). `relu_out` (defined for a fused ReLU):
// the forward's output; grad_out counts only where it is > 0, as ReLU's backward.
void batch_norm_backward(const View& grad_out, const View& x, std::int64_t n, std::int64_t c, std::int64_t s,
                         const View& mean, const View& invstd, const View& weight, bool train,
                         const View& grad_in, const View& grad_weight, const View& grad_bias,
                         const View& relu_out = View());

// ---- batch norm + ReLU + MaxPool2d(2), fused: x (N, C, H, W) contiguous, H and W even -----------

// `train`: batch statistics, written to mean, invstd and var as batch_norm_train_forward does;
// otherwise the given mean and invstd. y (N, C, H/2, W/2): each 2x2 window's maximum of
// relu(batch_norm(x)), as MaxPool2d(2) picks it; arg (int32, like y): the flat position in
// its (H, W) plane the maximum came from; xmax (like y): x there. Both feed the backward; both
// undefined when there is none (evaluation without gradients).
void batch_norm_relu_pool_forward(const View& x, std::int64_t n, std::int64_t c, std::int64_t h,
                                  std::int64_t w, const View& weight, const View& bias, double eps,
                                  bool train, const View& mean, const View& invstd, const View& var,
                                  const View& y, const View& arg, const View& xmax);

// grad_out like y; grad_in like x; the forward's y, arg, xmax, mean and invstd.
void batch_norm_relu_pool_backward(const View& grad_out, const View& x, std::int64_t n, std::int64_t c,
                                   std::int64_t h, std::int64_t w, const View& y, const View& arg,
                                   const View& xmax, const View& mean, const View& invstd, const View& weight,
                                   bool train, const View& grad_in, const View& grad_weight,
                                   const View& grad_bias);

// ---- layer norm: x viewed as (R, M); statistics per row; weight and bias have M elements ----

void layer_norm_forward(const View& x, std::int64_t rows, std::int64_t m, const View& weight,
                        const View& bias, double eps, const View& y, const View& mean, const View& rstd);

void layer_norm_backward(const View& grad_out, const View& x, std::int64_t rows, std::int64_t m,
                         const View& mean, const View& rstd, const View& weight, const View& grad_in,
                         const View& grad_weight, const View& grad_bias);

// ---- group norm: x viewed as (N, C, S), C split in G groups; statistics per (sample, group);
// weight and bias per channel. Instance norm is the case G == C. -------------------------------

// mean, rstd: (N * G); var (optional, N * G): the biased variance, for running statistics.
void group_norm_forward(const View& x, std::int64_t n, std::int64_t c, std::int64_t s, std::int64_t groups,
                        const View& weight, const View& bias, double eps, const View& y, const View& mean,
                        const View& rstd, const View& var);

void group_norm_backward(const View& grad_out, const View& x, std::int64_t n, std::int64_t c, std::int64_t s,
                         std::int64_t groups, const View& mean, const View& rstd, const View& weight,
                         const View& grad_in, const View& grad_weight, const View& grad_bias);

}  // namespace keel::kernels
