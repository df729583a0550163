// keel's checkpoints carry a checksum of their tensors; a damaged file is refused, and
// non-finite weights are named.
#include <gtest/gtest.h>
#include <keel/io/check_finite.h>
#include <keel/io/checkpoint.h>
#include <keel/keel.h>

#include <cmath>
#include <memory>
#include <string>

#include "io/io_test_util.h"

using namespace keel;
using keel::testing::ScratchDir;

namespace {

std::shared_ptr<nn::Sequential> mlp() {
  return std::make_shared<nn::Sequential>(std::initializer_list<std::shared_ptr<nn::Module>>{
      std::make_shared<nn::Linear>(4, 5), std::make_shared<nn::ReLU>(), std::make_shared<nn::Linear>(5, 3)});
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(CheckpointChecksum, EveryBitOfTheDataIsCovered) {
  ScratchDir dir;
  const std::string path = dir.file("model.safetensors");
  auto model = mlp();
  io::save_checkpoint(path, *model);
  const std::string good = keel::testing::read_bytes(path);
  const auto meta = io::read_safetensors_header(path).metadata;
  ASSERT_TRUE(meta.count(io::kChecksumKey));
  EXPECT_EQ(meta.at(io::kChecksumKey), io::data_checksum(model->state_dict()));
  // Flip one bit in each of the last 100 bytes (tensor data) in turn.
  for (std::size_t i = good.size() - 100; i < good.size(); i += 7) {
    std::string bad = good;
    bad[i] ^= static_cast<char>(1 << (i % 8));
    keel::testing::write_bytes(path, bad);
    auto other = mlp();
    EXPECT_NE(error_of([&] { io::load_checkpoint(path, *other); }).find("checksum"), std::string::npos) << i;
  }
  keel::testing::write_bytes(path, good);
  auto other = mlp();
  EXPECT_NO_THROW(io::load_checkpoint(path, *other));
}

TEST(CheckpointChecksum, FilesWithoutOneLoad) {
  ScratchDir dir;
  const std::string path = dir.file("torch.safetensors");
  auto model = mlp();
  io::save_safetensors(path, model->state_dict(), {{"format", "pt"}});  // as PyTorch writes them
  auto other = mlp();
  EXPECT_NO_THROW(io::load_checkpoint(path, *other));
}

TEST(CheckFinite, NamesTheTensorAndTheElement) {
  auto model = mlp();
  EXPECT_NO_THROW(io::check_finite(model->state_dict(), "m"));
  io::NamedTensors sd = model->state_dict();
  Tensor w = sd[2].second.clone();
  w.data_ptr<float>()[4] = INFINITY;
  sd[2].second = w;
  const std::string e = error_of([&] { io::check_finite(sd, "weights.safetensors"); });
  EXPECT_NE(e.find("weights.safetensors"), std::string::npos) << e;
  EXPECT_NE(e.find("'" + sd[2].first + "'"), std::string::npos) << e;
  EXPECT_NE(e.find("element 4"), std::string::npos) << e;
}

}  // namespace
