#include "keel/train/trainer.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "io/temp_dir.h"
#include "keel/data/mnist.h"
#include "keel/io/safetensors.h"
#include "keel/nn/activation.h"
#include "keel/nn/sync_batch_norm.h"
#include "keel/tensor/factories.h"
#include "keel/tensor/random.h"
#include "keel/train/inspect.h"
#include "keel/train/model_factory.h"
#include "support/fashion_mnist.h"
#include "support/quiet_trainer.h"
#include "support/text_file.h"

namespace keel::train {
namespace {

namespace fs = std::filesystem;
using testing::QuietTrainer;
using testing::slurp;
using testing::TempDir;

// A run that takes a fraction of a second: 320 training images in batches of 32 (10 steps per
// epoch), a small validation and test set, one narrow hidden layer with BatchNorm and Dropout.
Config tiny(std::int64_t epochs = 2) {
  Config c;
  for (const char* s :
       {"data.train_subset=320", "data.val_fraction=0.01", "data.test_subset=500", "model.hidden=32",
        "train.batch_size=32", "train.eval_batch_size=250", "train.threads=2", "train.seed=7"})
    c.set(s);
  c.set("train.epochs=" + std::to_string(epochs));
  return c;
}

// Every tensor of two safetensors files, compared bit for bit.
void expect_same_tensors(const fs::path& a, const fs::path& b) {
  auto x = io::load_safetensors(a.string()), y = io::load_safetensors(b.string());
  ASSERT_EQ(x.tensors.size(), y.tensors.size());
  for (std::size_t i = 0; i < x.tensors.size(); ++i) {
    const auto& [name, t] = x.tensors[i];
    const auto& [name2, u] = y.tensors[i];
    ASSERT_EQ(name, name2);
    ASSERT_EQ(t.sizes(), u.sizes()) << name;
    ASSERT_EQ(t.dtype(), u.dtype()) << name;
    Tensor tc = t.contiguous(), uc = u.contiguous();
    EXPECT_EQ(std::memcmp(tc.raw_data(), uc.raw_data(), tc.numel() * tc.element_size()), 0)
        << name << " differs";
  }
}

TEST(TrainerTest, WritesTheRunDirectory) {
  KEEL_SKIP_WITHOUT_FASHION_MNIST();
  TempDir tmp;
  QuietTrainer q;
  TrainResult r = Trainer(tiny(), q.options(tmp.file("run"))).run();
  ASSERT_EQ(r.status, TrainResult::Status::Completed) << r.message;
  EXPECT_EQ(r.exit_code, 0);
  const fs::path dir = tmp.file("run");
  for (const char* f :
       {kConfigFile, kMetricsFile, kCurvesFile, kBestFile, kLastFile, kStateFile, kSummaryFile})
    EXPECT_TRUE(fs::exists(dir / f)) << f;
  // metrics.csv: the header and one row per epoch.
  std::istringstream csv(slurp(dir / kMetricsFile));
  std::string line;
  std::getline(csv, line);
  EXPECT_EQ(line, "epoch,train_loss,train_acc,val_loss,val_acc,lr,grad_norm,seconds");
  int rows = 0;
  while (std::getline(csv, line)) rows += !line.empty();
  EXPECT_EQ(rows, 2);
  ASSERT_EQ(r.log.size(), 2u);
  EXPECT_GT(r.log[1].val_acc, 0.3);  // well above chance after 20 steps
  EXPECT_GT(r.log[0].grad_norm, 0.0);
  EXPECT_GT(r.test_acc, 0.3);
  EXPECT_GE(r.best_epoch, 1);
  const std::string summary = slurp(dir / kSummaryFile);
  EXPECT_NE(summary.find("\"test_acc\": 0."), std::string::npos) << summary;
  EXPECT_NE(summary.find("\"verdict\""), std::string::npos);
  EXPECT_NE(slurp(dir / kCurvesFile).find("<svg"), std::string::npos);
  EXPECT_EQ(Config::from_toml_file((dir / kConfigFile).string()).to_toml(), tiny().to_toml());
  EXPECT_NE(q.out.str().find("epoch 2/2"), std::string::npos) << q.out.str();
  EXPECT_NE(q.out.str().find("test accuracy"), std::string::npos);
}

// model.norm = "sync_batch": SyncBatchNorm layers over dist::world(), which in one process
// train as BatchNorm does.
TEST(TrainerTest, SyncBatchNormBuildsAndTrains) {
  Config c = tiny(1);
  c.set("model.norm=sync_batch");
  auto model = build_model(c, 784, 10);
  int sync = 0;
  for (const auto& m : model->modules()) sync += m->is<nn::SyncBatchNorm>();
  EXPECT_EQ(sync, 1);
  KEEL_SKIP_WITHOUT_FASHION_MNIST();
  TempDir tmp;
  QuietTrainer q;
  TrainResult r = Trainer(c, q.options(tmp.file("run"))).run();
  ASSERT_EQ(r.status, TrainResult::Status::Completed) << r.message;
  EXPECT_GT(r.test_acc, 0.3);
}

TEST(TrainerTest, OneSeedGivesIdenticalWeights) {
  KEEL_SKIP_WITHOUT_FASHION_MNIST();
  TempDir tmp;
  QuietTrainer q;
  Config c = tiny();
  c.set("data.augment=true");
  ASSERT_EQ(Trainer(c, q.options(tmp.file("a"))).run().exit_code, 0);
  ASSERT_EQ(Trainer(c, q.options(tmp.file("b"))).run().exit_code, 0);
  expect_same_tensors(fs::path(tmp.file("a")) / kLastFile, fs::path(tmp.file("b")) / kLastFile);
}

// 3 epochs straight vs 1 epoch, stop, resume: the same weights, bit for bit, and the same log.
TEST(TrainerTest, ResumeAfterAnEpochEndsWithTheSameWeights) {
  KEEL_SKIP_WITHOUT_FASHION_MNIST();
  TempDir tmp;
  QuietTrainer q;
  Config c = tiny(3);
  TrainResult full = Trainer(c, q.options(tmp.file("full"))).run();
  ASSERT_EQ(full.exit_code, 0) << full.message;

  TrainResult first = Trainer(c, q.options(tmp.file("resumed"), /*stop_after=*/10)).run();
  EXPECT_EQ(first.status, TrainResult::Status::Interrupted);
  EXPECT_EQ(first.exit_code, 130);
  EXPECT_NE(first.message.find("keel train --resume"), std::string::npos) << first.message;
  EXPECT_EQ(first.log.size(), 1u);
  TrainResult rest = Trainer::resume(tmp.file("resumed"), {}, q.options("")).run();
  ASSERT_EQ(rest.exit_code, 0) << rest.message;
  expect_same_tensors(fs::path(tmp.file("full")) / kLastFile, fs::path(tmp.file("resumed")) / kLastFile);
  expect_same_tensors(fs::path(tmp.file("full")) / kBestFile, fs::path(tmp.file("resumed")) / kBestFile);
  ASSERT_EQ(rest.log.size(), 3u);
  for (std::size_t e = 0; e < 3; ++e) {
    EXPECT_EQ(rest.log[e].train_loss, full.log[e].train_loss) << e;
    EXPECT_EQ(rest.log[e].val_acc, full.log[e].val_acc) << e;
    EXPECT_EQ(rest.log[e].lr, full.log[e].lr) << e;
  }
  EXPECT_EQ(rest.test_acc, full.test_acc);
}

// Interrupted mid-epoch (step 13 of 30) with the per-step schedule, augmentation, dropout,
// AdamW and an L1 penalty: everything that draws random numbers or keeps state.
TEST(TrainerTest, ResumeMidEpochEndsWithTheSameWeights) {
  KEEL_SKIP_WITHOUT_FASHION_MNIST();
  TempDir tmp;
  QuietTrainer q;
  Config c = tiny(3);
  for (const char* s : {"optim.name=adamw", "optim.lr=0.003", "optim.schedule=onecycle", "data.augment=true",
                        "reg.penalty=l1", "reg.lambda=1e-5", "model.dropout=0.3"})
    c.set(s);
  ASSERT_EQ(Trainer(c, q.options(tmp.file("full"))).run().exit_code, 0);
  TrainResult first = Trainer(c, q.options(tmp.file("resumed"), /*stop_after=*/13)).run();
  ASSERT_EQ(first.exit_code, 130);
  EXPECT_EQ(first.log.size(), 1u);
  EXPECT_NE(first.message.find("step 3/10"), std::string::npos) << first.message;
  // Interrupted twice: the second resume starts from a mid-epoch state written by a resumed run.
  TrainResult second = Trainer::resume(tmp.file("resumed"), {}, q.options("", /*stop_after=*/4)).run();
  ASSERT_EQ(second.exit_code, 130);
  TrainResult rest = Trainer::resume(tmp.file("resumed"), {}, q.options("")).run();
  ASSERT_EQ(rest.exit_code, 0) << rest.message;
  expect_same_tensors(fs::path(tmp.file("full")) / kLastFile, fs::path(tmp.file("resumed")) / kLastFile);
  expect_same_tensors(fs::path(tmp.file("full")) / kStateFile, fs::path(tmp.file("resumed")) / kStateFile);
}

TEST(TrainerTest, NonFiniteLossStopsAndKeepsTheLastGoodCheckpoint) {
  KEEL_SKIP_WITHOUT_FASHION_MNIST();
  TempDir tmp;
  QuietTrainer q;
  Config c = tiny(3);
  for (const char* s : {"optim.lr=1e6", "model.norm=none", "train.clip_grad_norm=0", "model.dropout=0"})
    c.set(s);
  TrainResult r = Trainer(c, q.options(tmp.file("run"))).run();
  EXPECT_EQ(r.status, TrainResult::Status::NonFinite);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.message.find("non-finite"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("epoch 1, step"), std::string::npos) << r.message;
  EXPECT_NE(slurp(fs::path(tmp.file("run")) / kSummaryFile).find("non-finite"), std::string::npos);
}

TEST(TrainerTest, UnwritableRunDirectoryFailsBeforeTraining) {
  QuietTrainer q;
  try {
    Trainer(tiny(), q.options("/proc/keel-cannot-write-here")).run();
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/proc/keel-cannot-write-here"), std::string::npos) << e.what();
  }
}

TEST(TrainerTest, MissingDataSaysHowToInstallIt) {
  TempDir tmp;
  QuietTrainer q;
  Config c = tiny();
  c.set("data.dir=" + tmp.file("nothing-here"));
  try {
    Trainer(c, q.options(tmp.file("run"))).run();
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("apt-get install dataset-fashion-mnist"), std::string::npos)
        << e.what();
  }
}

TEST(TrainerTest, ResumeNeedsATrainingState) {
  TempDir tmp;
  EXPECT_THROW(Trainer::resume(tmp.file("absent")), Error);
  EXPECT_THROW(Trainer::resume(tmp.path().string()), Error);
}

Config deep_sigmoid(const char* init, double std) {
  Config c;
  for (const char* s :
       {"model.activation=sigmoid", "model.hidden=256,256,256,256,256", "model.norm=none", "model.dropout=0"})
    c.set(s);
  c.set(std::string("model.init=") + init);
  c.set("model.init_std=" + std::to_string(std));
  return c;
}

TEST(InspectTest, SaturatedSigmoidsUnderNormalInit) {
  manual_seed(0);
  auto model = build_model(deep_sigmoid("normal", 1.0), 784, 10);
  Tensor x = randn({64, 1, 28, 28});
  Tensor y = randint(0, 10, {64});
  InspectResult r = inspect_layers(*model, x, y);
  ASSERT_EQ(r.layers.size(), model->size());
  const std::string text = r.to_text();
  EXPECT_NE(text.find("Sigmoid"), std::string::npos) << text;
  // N(0, 1) weights on 784 inputs: pre-activations with std ~28 saturate most sigmoid units.
  EXPECT_GT(r.layers[2].saturated, 0.5) << text;
  EXPECT_NE(text.find("vanishing gradients through saturated units"), std::string::npos) << text;
}

TEST(InspectTest, SmallNormalInitShrinksGradientsTowardsTheInput) {
  manual_seed(0);
  auto model = build_model(deep_sigmoid("normal", 0.01), 784, 10);
  Tensor x = randn({64, 1, 28, 28});
  Tensor y = randint(0, 10, {64});
  InspectResult r = inspect_layers(*model, x, y);
  const std::string text = r.to_text();
  EXPECT_LT(r.layers[1].weight_grad_std, 1e-2 * r.layers.back().weight_grad_std) << text;
  EXPECT_NE(text.find("vanishing gradients: the first layers"), std::string::npos) << text;

  // The same depth with ReLU and Kaiming init: the gradient reaches the first layer.
  Config relu = deep_sigmoid("kaiming", 1.0);
  relu.set("model.activation=relu");
  auto kaiming = build_model(relu, 784, 10);
  InspectResult rk = inspect_layers(*kaiming, x, y);
  EXPECT_GT(rk.layers[1].weight_grad_std, 1e-2 * rk.layers.back().weight_grad_std) << rk.to_text();
  EXPECT_EQ(rk.to_text().find("vanishing"), std::string::npos) << rk.to_text();
}

TEST(InspectTest, ReluLayersReportDeadUnits) {
  Config k;
  for (const char* s : {"model.norm=none", "model.dropout=0"}) k.set(s);
  manual_seed(0);
  auto model = build_model(k, 784, 10);
  InspectResult r = inspect_layers(*model, randn({32, 1, 28, 28}), randint(0, 10, {32}));
  EXPECT_TRUE(std::isnan(r.layers[2].saturated));
  EXPECT_GE(r.layers[2].dead, 0.0);
  EXPECT_LT(r.layers[2].dead, 0.5);
  EXPECT_EQ(r.to_text().find("vanishing"), std::string::npos) << r.to_text();
}

}  // namespace
}  // namespace keel::train
