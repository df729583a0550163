// model.channels: the cnn's conv blocks, one per entry; the default keeps the 32/64 model
// that the shipped configs and checkpoints were made with.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "keel/nn/conv.h"
#include "keel/nn/linear.h"
#include "keel/tensor/factories.h"
#include "keel/train/model_factory.h"
#include "support/errors.h"

namespace keel::train {
namespace {

Config cnn(const std::string& channels) {
  Config c;
  c.set("model.arch=cnn");
  if (!channels.empty()) c.set("model.channels=" + channels);
  return c;
}

// The Conv2d output channels and the first Linear's input width of `m`.
std::vector<std::int64_t> widths(const nn::Sequential& m, std::int64_t& head_in) {
  std::vector<std::int64_t> out;
  head_in = -1;
  for (std::size_t i = 0; i < m.size(); ++i) {
    if (auto* conv = m[i]->as<nn::Conv2d>()) out.push_back(conv->weight.size(0));
    if (auto* l = m[i]->as<nn::Linear>(); l && head_in < 0) head_in = l->weight.size(1);
  }
  return out;
}

TEST(CnnChannels, TheDefaultIsThe32And64Model) {
  std::int64_t head_in = 0;
  EXPECT_EQ(widths(*build_model(cnn(""), 784, 10), head_in), (std::vector<std::int64_t>{32, 64}));
  EXPECT_EQ(head_in, 64 * 7 * 7);
}

TEST(CnnChannels, EachEntryIsABlockThatHalvesTheImage) {
  std::int64_t head_in = 0;
  auto m = build_model(cnn("8,16,24"), 784, 10);
  EXPECT_EQ(widths(*m, head_in), (std::vector<std::int64_t>{8, 16, 24}));
  EXPECT_EQ(head_in, 24 * 3 * 3);  // 28 -> 14 -> 7 -> 3 (MaxPool2d floors)
  m->eval();
  const Tensor y = m->forward(zeros({2, 1, 28, 28}));
  EXPECT_EQ(y.sizes(), (Dims{2, 10}));
}

TEST(CnnChannels, AtMostFourBlocks) {
  const std::string m = testing::error_of([] { build_model(cnn("4,4,4,4,4"), 784, 10); });
  EXPECT_NE(m.find("model.channels"), std::string::npos) << m;
  EXPECT_NE(m.find("1 to 4 conv blocks"), std::string::npos) << m;
  const std::string none = testing::error_of([] { build_model(cnn("[]"), 784, 10); });
  EXPECT_NE(none.find("got 0"), std::string::npos) << none;
}

}  // namespace
}  // namespace keel::train
