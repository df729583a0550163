// Kernels take raw Views (keel/core/view.h), not Tensors: a Tensor converts to the View of
// its memory, and a kernel runs on a View of any buffer.
#include <gtest/gtest.h>
#include <keel/keel.h>

#include <cstdint>
#include <vector>

#include "kernels/cpu/copy.h"
#include "kernels/cpu/matmul.h"

using namespace keel;

namespace {

View view_of(std::vector<double>& buf, std::initializer_list<std::int64_t> sizes,
             std::initializer_list<std::int64_t> strides, std::int64_t offset = 0) {
  View v{};
  v.data = buf.data() + offset;
  v.dtype = kFloat64;
  v.ndim = static_cast<int>(sizes.size());
  int d = 0;
  for (std::int64_t s : sizes) v.sizes[d++] = s;
  d = 0;
  for (std::int64_t s : strides) v.strides[d++] = s;
  return v;
}

}  // namespace

TEST(KernelView, TensorRawIsItsMemory) {
  Tensor base = arange(0, 24, 1, kFloat64).view({4, 6});
  Tensor t = base.slice(1, 1, 5, 2).t();  // (2, 4), strides (2, 6), offset 1
  View v = t.raw();
  EXPECT_EQ(v.data, t.raw_data());
  EXPECT_EQ(v.data, static_cast<void*>(base.data_ptr<double>() + 1));
  EXPECT_EQ(v.dtype, kFloat64);
  ASSERT_EQ(v.ndim, 2);
  EXPECT_EQ(v.size(0), 2);
  EXPECT_EQ(v.size(-1), 4);
  EXPECT_EQ(v.stride(0), 2);
  EXPECT_EQ(v.stride(1), 6);
  EXPECT_EQ(v.numel(), 8);
  EXPECT_FALSE(v.is_contiguous());
  EXPECT_TRUE(base.raw().is_contiguous());
  EXPECT_FALSE(Tensor().raw().defined());
  EXPECT_THROW(v.data_ptr<float>(), Error);
}

TEST(KernelView, KernelsRunOnPlainBuffers) {
  // Broadcast copy: a (3) row into every row of a (2, 3) buffer.
  std::vector<double> row = {1, 2, 3}, out(6, 0.0);
  kernels::copy(view_of(out, {2, 3}, {3, 1}), view_of(row, {3}, {1}));
  EXPECT_EQ(out, (std::vector<double>{1, 2, 3, 1, 2, 3}));

  // matmul with an operand strided in both dims (no GEMM layout reads it as stored, so the
  // kernel copies it first): a[i][k] = buf[1 + 6 i + 2 k], a (2, 3); b the (3, 2) identity-ish.
  std::vector<double> buf(12);
  for (int i = 0; i < 12; ++i) buf[i] = i;
  std::vector<double> b = {1, 0, 0, 1, 1, 1}, c(4, -1.0);
  kernels::matmul(view_of(c, {2, 2}, {2, 1}), view_of(buf, {2, 3}, {6, 2}, 1), view_of(b, {3, 2}, {2, 1}));
  for (int i = 0; i < 2; ++i) {
    for (int j = 0; j < 2; ++j) {
      double want = 0;
      for (int k = 0; k < 3; ++k) want += buf[1 + 6 * i + 2 * k] * b[k * 2 + j];
      EXPECT_EQ(c[i * 2 + j], want) << i << "," << j;
    }
  }
}
