// The real Fashion-MNIST (Debian's dataset-fashion-mnist), checked against values that
// tests/golden/gen_fashion_mnist_head.py read with Python's gzip module. Skipped when the
// data set is not installed.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "keel/data/mnist.h"

namespace keel {
namespace {

TEST(FashionMnistTest, MatchesPythonReader) {
  if (!std::filesystem::exists(data::kFashionMnistDir))
    GTEST_SKIP() << data::kFashionMnistDir << " is not installed";
  std::ifstream f(std::string(KEEL_GOLDEN_DIR) + "/fashion_mnist_head.json");
  ASSERT_TRUE(f) << "missing tests/golden/fashion_mnist_head.json";
  nlohmann::json golden = nlohmann::json::parse(f);
  for (bool train : {true, false}) {
    SCOPED_TRACE(train ? "train" : "test");
    const nlohmann::json& g = golden[train ? "train" : "test"];
    data::ImageSet set = data::load_fashion_mnist(train);
    const std::int64_t n = g["count"];
    EXPECT_EQ(n, train ? 60000 : 10000);
    ASSERT_EQ(set.images.sizes(), Dims({n, 1, g["rows"], g["cols"]}));
    ASSERT_EQ(set.labels.sizes(), Dims({n}));
    const std::int64_t* labels = set.labels.data_ptr<std::int64_t>();
    std::vector<std::int64_t> head(labels, labels + 32), tail(labels + n - 8, labels + n);
    EXPECT_EQ(head, g["labels_head"].get<std::vector<std::int64_t>>());
    EXPECT_EQ(tail, g["labels_tail"].get<std::vector<std::int64_t>>());
    std::vector<std::int64_t> histogram(10, 0);
    for (std::int64_t i = 0; i < n; ++i) ++histogram[labels[i]];
    EXPECT_EQ(histogram, g["label_histogram"].get<std::vector<std::int64_t>>());

    const float* px = set.images.data_ptr<float>();
    const std::int64_t pixels = 28 * 28;
    auto byte_sum = [&](std::int64_t image) {
      std::int64_t sum = 0;
      for (std::int64_t i = 0; i < pixels; ++i)
        sum += static_cast<std::int64_t>(px[image * pixels + i] * 255.0f + 0.5f);
      return sum;
    };
    EXPECT_EQ(byte_sum(0), g["image0_byte_sum"].get<std::int64_t>());
    EXPECT_EQ(byte_sum(n - 1), g["last_image_byte_sum"].get<std::int64_t>());
    auto index = g["image0_nonzero_index"].get<std::vector<std::int64_t>>();
    auto value = g["image0_nonzero_value"].get<std::vector<double>>();
    for (std::size_t k = 0; k < index.size(); ++k)
      EXPECT_EQ(px[index[k]], static_cast<float>(value[k])) << index[k];
  }
}

}  // namespace
}  // namespace keel
