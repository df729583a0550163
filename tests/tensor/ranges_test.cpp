// Factories: arange/linspace/eye against PyTorch bit for bit (tests/golden/gen_ranges.py),
// and the basic fills and wrappers.
#include <gtest/gtest.h>
#include <keel/keel.h>

#include <cstring>
#include <fstream>

#include "support/golden.h"
#include "tensor/tensor_test_util.h"

using namespace keel;
using keel::testing::element;
using keel::testing::expect_error;
using keel::testing::values_of;

namespace {
DType dtype_arg(const nlohmann::json& args) {
  std::string s = args.at("dtype");
  return s == "float64" ? kFloat64 : s == "int64" ? kInt64 : kFloat32;
}
}  // namespace

TEST(TensorRanges, MatchPyTorchExactly) {
  std::ifstream in(std::string(KEEL_GOLDEN_DIR) + "/ranges.json");
  ASSERT_TRUE(in);
  nlohmann::json doc = nlohmann::json::parse(in);
  int checked = 0;
  for (const auto& c : doc.at("cases")) {
    const std::string op = c.at("op");
    const auto& a = c.at("args");
    Tensor got;
    if (op == "linspace") {
      got = linspace(a.at("start"), a.at("end"), a.at("steps"), dtype_arg(a));
    } else if (op == "arange") {
      got = a.contains("dtype") ? arange(a.at("start"), a.at("end"), a.at("step"), dtype_arg(a))
                                : arange(a.at("start"), a.at("end"), a.at("step"));
    } else if (op == "arange_end") {
      got = arange(a.at("end").get<double>());
    } else {
      ASSERT_EQ(op, "eye");
      got = eye(a.at("n"), a.at("m"), dtype_arg(a));
    }
    Tensor want = keel::testing::tensor_from_json(c.at("output"));
    ASSERT_EQ(got.dtype(), want.dtype()) << op << " " << a.dump();
    ASSERT_EQ(got.sizes(), want.sizes()) << op << " " << a.dump();
    std::vector<double> g = values_of(got), w = values_of(want);
    for (std::size_t i = 0; i < g.size(); ++i) {
      // Bit-exact: the float32 values convert to double exactly on both sides.
      ASSERT_EQ(std::memcmp(&g[i], &w[i], sizeof(double)), 0)
          << op << " " << a.dump() << " element " << i << ": " << g[i] << " vs " << w[i];
    }
    ++checked;
  }
  EXPECT_GE(checked, 50);
}

TEST(TensorRanges, ArangeDtypeAndLength) {
  EXPECT_EQ(arange(5).dtype(), kInt64);
  EXPECT_EQ(arange(2, 11, 3).dtype(), kInt64);
  EXPECT_EQ(values_of(arange(2, 11, 3)), (std::vector<double>{2, 5, 8}));
  EXPECT_EQ(arange(0.5).dtype(), kFloat32);
  EXPECT_EQ(arange(0, 1, 0.25).dtype(), kFloat32);
  EXPECT_EQ(arange(0, 1, 0.25).numel(), 4);  // ceil((1 - 0) / 0.25)
  EXPECT_EQ(arange(0, 1.01, 0.25).numel(), 5);
  EXPECT_EQ(arange(0, 1, 0.25, kFloat64).dtype(), kFloat64);
  EXPECT_EQ(arange(3, 3).numel(), 0);
  EXPECT_EQ(values_of(arange(3, -3, -2)), (std::vector<double>{3, 1, -1}));
  expect_error([] { arange(0, 5, 0); }, {"arange", "step must be nonzero"});
  expect_error([] { arange(0, 5, -1); }, {"arange", "inconsistent with step sign"});
  expect_error([] { arange(5, 0, 1); }, {"arange", "inconsistent with step sign"});
  expect_error([] { arange(0, 5, 1, kBool); }, {"arange", "bool"});
}

TEST(TensorRanges, LinspaceAndEye) {
  EXPECT_EQ(values_of(linspace(0, 1, 5)), (std::vector<double>{0, 0.25, 0.5, 0.75, 1}));
  EXPECT_EQ(linspace(0, 1, 0).numel(), 0);
  EXPECT_EQ(values_of(linspace(2, 9, 1)), (std::vector<double>{2}));
  expect_error([] { linspace(0, 1, -1); }, {"linspace", "-1"});
  Tensor e = eye(2, 3);
  EXPECT_EQ(e.sizes(), (Dims{2, 3}));
  EXPECT_EQ(values_of(e), (std::vector<double>{1, 0, 0, 0, 1, 0}));
  EXPECT_EQ(eye(3, -1, kBool).dtype(), kBool);
  expect_error([] { eye(-1); }, {"eye", "-1"});
}

TEST(TensorFactories, FillsAndValues) {
  EXPECT_EQ(values_of(zeros({2, 2})), std::vector<double>(4, 0.0));
  EXPECT_EQ(values_of(ones({3}, kInt64)), std::vector<double>(3, 1.0));
  EXPECT_EQ(ones({3}, kInt64).dtype(), kInt64);
  EXPECT_EQ(values_of(full({2}, 2.5, kFloat64)), (std::vector<double>{2.5, 2.5}));
  Tensor s = scalar_tensor(4.0);
  EXPECT_EQ(s.dim(), 0);
  EXPECT_EQ(s.item(), 4.0);
  Tensor f = from_vector(std::vector<float>{1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_EQ(f.sizes(), (Dims{2, 3}));
  EXPECT_EQ(element(f, {1, 2}).item(), 6.0);
  EXPECT_EQ(zeros_like(f).dtype(), kFloat32);
  EXPECT_EQ(values_of(full_like(f, 7)), std::vector<double>(6, 7.0));
  EXPECT_EQ(tensor({1, 2}, kInt64).dtype(), kInt64);
  expect_error([] { from_vector(std::vector<double>{1, 2, 3}, {2, 2}); }, {"from_vector", "3", "[2, 2]"});
  expect_error([] { tensor({{1, 2}, {3}}); }, {"tensor", "different lengths"});
  expect_error([] { empty({2, -1}); }, {"empty", "-1"});
}

TEST(TensorFactories, FromBlobSharesMemoryAndRunsDeleter) {
  std::vector<float> buf = {1, 2, 3, 4, 5, 6};
  int deleted = 0;
  {
    Tensor t = from_blob(buf.data(), {2, 3}, kFloat32, [&](void* p) {
      EXPECT_EQ(p, buf.data());
      ++deleted;
    });
    EXPECT_EQ(t.data_ptr<float>(), buf.data());
    buf[4] = 50;
    EXPECT_EQ(element(t, {1, 1}).item(), 50.0);
    element(t, {0, 2}).fill_(-3);
    EXPECT_EQ(buf[2], -3.0f);
    Tensor v = t.t();  // a view keeps the storage alive
    t = Tensor();
    EXPECT_EQ(deleted, 0);
    EXPECT_EQ(element(v, {2, 0}).item(), -3.0);
  }
  EXPECT_EQ(deleted, 1);
  // Custom strides: a column-major 2x2 over the same memory.
  Tensor cm = from_blob(buf.data(), {2, 2}, {1, 2}, kFloat32);
  EXPECT_EQ(element(cm, {1, 0}).item(), 2.0);
  EXPECT_FALSE(cm.is_contiguous());
}
