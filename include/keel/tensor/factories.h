#pragma once
// Tensor factories, PyTorch's names and defaults (float32 unless a dtype is given).
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <vector>

#include "keel/tensor/tensor.h"

namespace keel {

Tensor empty(const Dims& shape, DType dtype = kFloat32);
Tensor zeros(const Dims& shape, DType dtype = kFloat32);
Tensor ones(const Dims& shape, DType dtype = kFloat32);
Tensor full(const Dims& shape, double value, DType dtype = kFloat32);
Tensor empty_like(const Tensor& t);
Tensor zeros_like(const Tensor& t);
Tensor ones_like(const Tensor& t);
Tensor full_like(const Tensor& t, double value);
// A 0-dim tensor holding value.
Tensor scalar_tensor(double value, DType dtype = kFloat32);

// [start, end) in steps of step. arange(end) counts from 0. The dtype is int64 when every
// argument is integral (as in PyTorch), else float32; pass a dtype to choose.
Tensor arange(double end);
Tensor arange(double start, double end, double step = 1.0);
Tensor arange(double start, double end, double step, DType dtype);
Tensor linspace(double start, double end, std::int64_t steps, DType dtype = kFloat32);
Tensor eye(std::int64_t n, std::int64_t m = -1, DType dtype = kFloat32);

// Wraps existing memory without copying. keel does not free it; `deleter` (optional) runs
// when the last tensor using it is gone. Strides default to contiguous.
Tensor from_blob(void* data, const Dims& shape, DType dtype = kFloat32,
                 std::function<void(void*)> deleter = {});
Tensor from_blob(void* data, const Dims& shape, const Dims& strides, DType dtype,
                 std::function<void(void*)> deleter = {});

// Copies values into a new tensor of the given shape (1-D of all values when omitted).
Tensor from_vector(const std::vector<float>& values, const Dims& shape = {});
Tensor from_vector(const std::vector<double>& values, const Dims& shape = {});
Tensor from_vector(const std::vector<std::int64_t>& values, const Dims& shape = {});
// keel::tensor({1, 2, 3}) and keel::tensor({{1, 2}, {3, 4}}), like torch::tensor.
Tensor tensor(std::initializer_list<double> values, DType dtype = kFloat32);
Tensor tensor(std::initializer_list<std::initializer_list<double>> rows, DType dtype = kFloat32);

}  // namespace keel
