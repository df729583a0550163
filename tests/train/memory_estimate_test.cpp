// The memory estimate counts exactly the parameters build_model makes, and grows with the
// optimizer's state and the batch, so a run that cannot fit is refused before it allocates.
#include <gtest/gtest.h>
#include <keel/train/memory_estimate.h>
#include <keel/train/model_factory.h>

#include "support/errors.h"

using keel::testing::error_of;
using keel::train::Config;
using keel::train::estimate_memory;

namespace {

std::int64_t parameter_count(const Config& c, std::int64_t in, std::int64_t classes) {
  std::int64_t n = 0;
  for (const auto& [name, p] : keel::train::build_model(c, in, classes)->named_parameters()) n += p.numel();
  return n;
}

TEST(MemoryEstimate, CountsTheParametersBuildModelMakes) {
  for (const char* norm : {"none", "batch", "sync_batch", "layer", "group"}) {
    Config c;
    c.set(std::string("model.norm=") + norm);
    c.set("model.hidden=32,16");
    EXPECT_EQ(estimate_memory(c, 20, 7, 0).parameters, parameter_count(c, 20, 7)) << norm;
  }
  Config cnn;
  cnn.set("model.arch=cnn");
  EXPECT_EQ(estimate_memory(cnn, 784, 10, 0).parameters, parameter_count(cnn, 784, 10));
  for (const char* channels : {"8", "8,16,24", "4,4,4,4"}) {
    cnn.set(std::string("model.channels=") + channels);
    EXPECT_EQ(estimate_memory(cnn, 784, 10, 0).parameters, parameter_count(cnn, 784, 10)) << channels;
  }
  for (const char* arch : {"gru", "lstm"})
    for (const char* norm : {"none", "layer"})
      for (const char* hidden : {"8", "12,12,12"}) {
        Config rnn;
        rnn.set(std::string("model.arch=") + arch);
        rnn.set(std::string("model.norm=") + norm);
        rnn.set(std::string("model.hidden=") + hidden);
        EXPECT_EQ(estimate_memory(rnn, 784, 10, 0).parameters, parameter_count(rnn, 784, 10))
            << arch << " " << norm << " " << hidden;
      }
}

TEST(MemoryEstimate, AHugeRecurrentModelIsRefusedNamingTheArch) {
  Config c;
  c.set("model.arch=gru");
  c.set("model.norm=none");
  c.set("model.hidden=1000000,1000000");
  const std::string m = error_of([&] { keel::train::build_model(c, 784, 10); });
  EXPECT_NE(m.find("model.arch = gru with model.hidden = [1000000, 1000000]"), std::string::npos) << m;
}

TEST(MemoryEstimate, AHugeCnnIsRefusedNamingItsChannels) {
  Config c;
  c.set("model.arch=cnn");
  c.set("model.channels=1000000,1000000");
  const std::string m = error_of([&] { keel::train::build_model(c, 784, 10); });
  EXPECT_NE(m.find("model.arch = cnn with model.channels = [1000000, 1000000]"), std::string::npos) << m;
  EXPECT_NE(m.find("reduce model.channels"), std::string::npos) << m;
}

TEST(MemoryEstimate, GrowsWithTheOptimizerStateAndTheBatch) {
  Config c;
  c.set("optim.name=adam");
  const auto adam = estimate_memory(c, 784, 10, 0);
  c.set("optim.name=sgd");
  c.set("optim.momentum=0");
  const auto sgd = estimate_memory(c, 784, 10, 0);
  EXPECT_EQ(adam.model_bytes, sgd.model_bytes * 2);  // weights, gradients, 2 moments vs none
  EXPECT_EQ(sgd.batch_bytes, 0);
  const auto batch = estimate_memory(c, 784, 10, 128);
  EXPECT_GT(batch.batch_bytes, 128.0 * (784 + 512 + 256) * 4);
  // Sizes whose products overflow int64 still compare as the huge numbers they are.
  c.set("model.hidden=1000000,1000000,1000000");
  // (2e12 parameters x 4 bytes x 2 (weights, gradients), and 10^6 samples x 1.5e7 values x 4 bytes.)
  EXPECT_GT(estimate_memory(c, 784, 10, 1000000).total(), 7.6e13);
}

TEST(MemoryEstimate, AModelBeyondTheMachineIsRefusedNamingTheSizes) {
  Config c;
  c.set("model.hidden=1000000,1000000");
  const std::string m = error_of([&] { keel::train::check_memory(c, 784, 10, 128); });
  EXPECT_NE(m.find("model.hidden = [1000000, 1000000]"), std::string::npos) << m;
  EXPECT_NE(m.find("available"), std::string::npos) << m;
  EXPECT_NE(error_of([&] { keel::train::build_model(c, 784, 10); }).find("not enough memory"),
            std::string::npos);
  EXPECT_GT(keel::train::available_memory_bytes(), 0);
}

}  // namespace
