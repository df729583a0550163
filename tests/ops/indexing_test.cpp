#include <gtest/gtest.h>
#include <keel/keel.h>

#include "support/errors.h"
#include "support/golden.h"
#include "support/gradcheck.h"

using keel::testing::error_of;

using namespace keel;
using keel::testing::GoldenOp;
using keel::testing::max_abs_diff;
using keel::testing::rand_input;
using nlohmann::json;

namespace {

// Comparisons live in another family; a cast gives bool masks without them.
Tensor mask_of(const std::vector<double>& v, const Dims& shape = {}) {
  return from_vector(v, shape).to(kBool);
}

Tensor longs(const std::vector<std::int64_t>& v, const Dims& shape = {}) { return from_vector(v, shape); }

}  // namespace

TEST(Indexing, MatchesPyTorch) {
  std::map<std::string, GoldenOp> ops = {
      {"cat",
       [](const std::vector<Tensor>& x, const json& a) { return cat(x, a["dim"].get<std::int64_t>()); }},
      {"stack",
       [](const std::vector<Tensor>& x, const json& a) { return stack(x, a["dim"].get<std::int64_t>()); }},
      {"index_select", [](const std::vector<Tensor>& x,
                          const json& a) { return x[0].index_select(a["dim"].get<std::int64_t>(), x[1]); }},
      {"gather", [](const std::vector<Tensor>& x,
                    const json& a) { return x[0].gather(a["dim"].get<std::int64_t>(), x[1]); }},
      {"where", [](const std::vector<Tensor>& x, const json&) { return where(x[0], x[1], x[2]); }},
      {"masked_fill", [](const std::vector<Tensor>& x,
                         const json& a) { return x[0].masked_fill(x[1], a["value"].get<double>()); }},
      {"masked_fill_",
       [](const std::vector<Tensor>& x, const json& a) {
         Tensor y = x[0].clone();  // in place on a non-leaf, as PyTorch's case does
         y.masked_fill_(x[1], a["value"].get<double>());
         return y;
       }},
  };
  EXPECT_GT(keel::testing::check_golden("indexing", ops), 35);
}

TEST(Indexing, Gradcheck) {
  Tensor a = rand_input({2, 3}, -1, 1, 1), b = rand_input({2, 2}, -1, 1, 2), c = rand_input({2, 3}, -1, 1, 3);
  EXPECT_GRADCHECK([](const std::vector<Tensor>& x) { return cat({x[0], x[1]}, 1); }, {a, b});
  EXPECT_GRADCHECK([](const std::vector<Tensor>& x) { return cat({x[0], x[1]}, 0); }, {a, c});
  EXPECT_GRADCHECK([](const std::vector<Tensor>& x) { return stack({x[0], x[1]}, 1); }, {a, c});
  Tensor idx = longs({1, 0, 1, 1});
  EXPECT_GRADCHECK([idx](const std::vector<Tensor>& x) { return index_select(x[0], 0, idx); }, {a});
  EXPECT_GRADCHECK([idx](const std::vector<Tensor>& x) { return index_select(x[0], 1, idx); }, {a});
  Tensor g0 = longs({1, 1, 0, 0, 1, 0}, {2, 3}), g1 = longs({2, 2, 0, 1}, {2, 2});
  EXPECT_GRADCHECK([g0](const std::vector<Tensor>& x) { return gather(x[0], 0, g0); }, {a});
  EXPECT_GRADCHECK([g1](const std::vector<Tensor>& x) { return gather(x[0], 1, g1); }, {a});
  Tensor cond = mask_of({1, 0, 1, 0, 0, 1}, {2, 3});
  EXPECT_GRADCHECK([cond](const std::vector<Tensor>& x) { return where(cond, x[0], x[1]); },
                   {a, rand_input({3}, -1, 1, 4)});
  EXPECT_GRADCHECK([cond](const std::vector<Tensor>& x) { return masked_fill(x[0], cond, 3.0); }, {a});
  Tensor row_mask = mask_of({0, 1, 1});
  EXPECT_GRADCHECK(
      [row_mask](const std::vector<Tensor>& x) {
        Tensor y = x[0] * 2.0;
        y.masked_fill_(row_mask, -1.0);
        return y;
      },
      {a});
}

TEST(Indexing, CatSkipsEmptyVectorsAndPromotes) {
  Tensor e = zeros({0});
  Tensor a = ones({2, 3});
  EXPECT_EQ(cat({e, a, e}, 0).sizes(), (Dims{2, 3}));
  EXPECT_EQ(cat({e, e}).sizes(), (Dims{0}));
  Tensor mixed = cat({ones({2}, kInt64), ones({1}, kFloat64)});
  EXPECT_EQ(mixed.dtype(), kFloat64);
  EXPECT_EQ(mixed.sizes(), (Dims{3}));
}

TEST(Indexing, LargeIndexSelectAndGatherMatchLoops) {
  // Big enough for the parallel paths.
  Tensor x = rand_input({300, 257}, -1, 1, 7).detach();
  std::vector<std::int64_t> rows;
  for (int i = 0; i < 500; ++i) rows.push_back((i * 37) % 300);
  Tensor sel = index_select(x, 0, from_vector(rows));
  double worst = 0;
  for (int i = 0; i < 500; i += 97) worst = std::max(worst, max_abs_diff(sel[i], x[rows[i]]));
  EXPECT_EQ(worst, 0.0);
  // gather along a non-contiguous (transposed) input.
  Tensor xt = x.t();  // [257, 300]
  std::vector<std::int64_t> cols;
  for (int i = 0; i < 257 * 200; ++i) cols.push_back((i * 13) % 300);
  Tensor g = gather(xt, 1, from_vector(cols, {257, 200}));
  EXPECT_EQ(g[5][7].item(), xt[5][cols[5 * 200 + 7]].item());
  EXPECT_EQ(g[256][199].item(), xt[256][cols[256 * 200 + 199]].item());
  // Backward of a repeated-index select sums the repeats.
  Tensor w = rand_input({4, 3000}, -1, 1, 8);
  index_select(w, 0, longs({1, 1, 1, 3})).sum().backward();
  EXPECT_EQ(w.grad()[1][2999].item(), 3.0);
  EXPECT_EQ(w.grad()[0][0].item(), 0.0);
  EXPECT_EQ(w.grad()[3][100].item(), 1.0);
}

TEST(Indexing, MaskedFillInPlace) {
  Tensor x = tensor({{1, 2}, {3, 4}});
  Tensor mask = mask_of({1, 0});
  x.masked_fill_(mask, 9.0);
  EXPECT_EQ(max_abs_diff(x, tensor({{9, 2}, {9, 4}})), 0.0);
  Tensor leaf = ones({2}).requires_grad_();
  EXPECT_THROW(leaf.masked_fill_(mask_of({1, 0}), 0.0), Error);
  EXPECT_THROW(ones({2}).masked_fill_(ones({2, 2}, kBool), 0.0), Error);
}

TEST(Indexing, ErrorsNameOpAndShapes) {
  std::string m = error_of([] { (void)cat({ones({2, 3}), ones({2, 4})}, 0); });
  EXPECT_NE(m.find("cat"), std::string::npos) << m;
  EXPECT_NE(m.find("[2, 3]"), std::string::npos) << m;
  EXPECT_NE(m.find("[2, 4]"), std::string::npos) << m;
  m = error_of([] { (void)stack({ones({2, 3}), ones({3, 2})}); });
  EXPECT_NE(m.find("stack"), std::string::npos) << m;
  EXPECT_NE(m.find("[3, 2]"), std::string::npos) << m;
  m = error_of([] { (void)index_select(ones({3, 2}), 0, from_vector(std::vector<std::int64_t>{0, 3})); });
  EXPECT_NE(m.find("index 3 is out of bounds for dimension 0 with size 3"), std::string::npos) << m;
  m = error_of([] { (void)gather(ones({3, 2}), 1, from_vector(std::vector<std::int64_t>{-1, 0}, {2, 1})); });
  EXPECT_NE(m.find("gather"), std::string::npos) << m;
  EXPECT_THROW((void)index_select(ones({3}), 0, ones({2})), Error);
  EXPECT_THROW((void)gather(ones({3, 2}), 0, from_vector(std::vector<std::int64_t>{0, 1})), Error);
  EXPECT_THROW((void)gather(ones({3, 2}), 0, from_vector(std::vector<std::int64_t>{0, 1, 0}, {1, 3})), Error);
  EXPECT_THROW((void)cat({}), Error);
  EXPECT_THROW((void)cat({ones({2}), ones({})}), Error);
  EXPECT_THROW((void)where(ones({2}), ones({2}), ones({2})), Error);
  EXPECT_THROW((void)masked_fill(ones({2}), ones({2}), 1.0), Error);
  EXPECT_THROW((void)where(ones({2}, kBool), ones({3}), ones({2})), Error);
}
