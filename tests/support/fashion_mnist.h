#pragma once
// Tests that train on the real data set skip, saying why, where Debian's
// dataset-fashion-mnist is not installed.
#include <filesystem>

#include "keel/data/mnist.h"

namespace keel::testing {

inline bool have_fashion_mnist() {
  return std::filesystem::exists(std::filesystem::path(data::kFashionMnistDir) /
                                 "train-labels-idx1-ubyte.gz");
}

}  // namespace keel::testing

#define KEEL_SKIP_WITHOUT_FASHION_MNIST()     \
  if (!::keel::testing::have_fashion_mnist()) \
  GTEST_SKIP() << "Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)"
