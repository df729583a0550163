// model.arch = gru / lstm: Fashion-MNIST-shaped images read row by row by a recurrent layer,
// built as a Sequential that the trainer, checkpoints and inspect handle like the MLP.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "io/temp_dir.h"
#include "keel/nn/rnn.h"
#include "keel/tensor/factories.h"
#include "keel/tensor/random.h"
#include "keel/train/inspect.h"
#include "keel/train/model_factory.h"
#include "keel/train/state_dict_match.h"
#include "keel/train/trainer.h"
#include "support/errors.h"

namespace keel::train {
namespace {

namespace fs = std::filesystem;
using testing::error_of;
using testing::TempDir;

Config recurrent(const std::string& arch, const std::string& norm, const std::string& hidden = "8") {
  Config c;
  c.set("model.arch=" + arch);
  c.set("model.norm=" + norm);
  c.set("model.hidden=" + hidden);
  c.set("model.dropout=0");
  return c;
}

TEST(SequenceModel, ReadsImagesRowByRowAndClassifiesTheLastStep) {
  for (const char* arch : {"gru", "lstm"}) {
    manual_seed(3);
    auto model = build_model(recurrent(arch, "layer"), 784, 10);
    model->train(false);
    const Tensor images = randn({5, 1, 28, 28});
    const Tensor out = model->forward(images);
    EXPECT_EQ(out.sizes(), Dims({5, 10})) << arch;
    // Flat (N, 784) rows are the same images.
    EXPECT_EQ((model->forward(images.reshape({5, 784})) - out).abs().max().item(), 0.0) << arch;
    // The head sees the top layer's final state h_n, computed here by the layer itself.
    const Tensor seq = images.reshape({5, 28, 28});
    Tensor h_n;
    if (std::string(arch) == "gru") {
      h_n = model->at<nn::GRU>(1)->forward(seq, Tensor()).second.select(0, 0);
    } else {
      h_n = model->at<nn::LSTM>(1)->forward(seq, nn::LSTMState{}).second.h.select(0, 0);
    }
    const Tensor expected = (*(*model)[4])((*(*model)[3])(h_n));
    EXPECT_LT((expected - out).abs().max().item(), 1e-6) << arch;
    // PyTorch's parameter names, so state_dicts carry over.
    EXPECT_EQ(model->state_dict().front().first, "1.weight_ih_l0") << arch;
  }
}

TEST(SequenceModel, StackedLayersShareOneWidth) {
  auto model = build_model(recurrent("lstm", "none", "6,6,6"), 784, 3);
  auto lstm = model->at<nn::LSTM>(1);
  EXPECT_EQ(lstm->options.num_layers, 3);
  EXPECT_EQ(lstm->options.hidden_size, 6);
  EXPECT_TRUE(lstm->options.batch_first);
  EXPECT_EQ(model->size(), 4u);  // ImageRows, LSTM, LastStep, Linear: no norm, no dropout
}

TEST(SequenceModel, RefusesWhatDoesNotApplyNamingTheKey) {
  std::string m = error_of([] { build_model(recurrent("gru", "instance"), 784, 10); });
  EXPECT_NE(m.find("model.norm = instance"), std::string::npos) << m;
  EXPECT_NE(m.find("model.arch = gru"), std::string::npos) << m;
  m = error_of([] { build_model(recurrent("lstm", "group"), 784, 10); });
  EXPECT_NE(m.find("model.norm = group"), std::string::npos) << m;
  m = error_of([] { build_model(recurrent("gru", "none", "16,8"), 784, 10); });
  EXPECT_NE(m.find("model.hidden"), std::string::npos) << m;
  EXPECT_NE(m.find("[16, 16]"), std::string::npos) << m;
  m = error_of([] { build_model(recurrent("gru", "none"), 20, 10); });
  EXPECT_NE(m.find("28x28"), std::string::npos) << m;
  EXPECT_NE(m.find("20 input features"), std::string::npos) << m;
}

// 240 rows of 784 pixels, 3 classes told apart by the brightness of the first image row.
std::string write_image_csv(const TempDir& tmp) {
  const std::string path = tmp.file("images.csv");
  std::ofstream f(path);
  for (int j = 0; j < 784; ++j) f << "p" << j << ",";
  f << "label\n";
  for (int i = 0; i < 240; ++i) {
    const int label = i % 3;
    for (int j = 0; j < 784; ++j) f << (j < 28 ? 0.4 * label : ((i * 31 + j * 7) % 13) / 13.0) << ",";
    f << label << "\n";
  }
  return path;
}

TEST(SequenceModel, TrainsThroughTheTrainerAndItsCheckpointLoadsBack) {
  TempDir tmp;
  const std::string csv = write_image_csv(tmp);
  for (const char* arch : {"gru", "lstm"}) {
    Config c = recurrent(arch, "layer");
    for (const std::string& s : std::vector<std::string>{
             "data.dataset=csv", "data.csv_train=" + csv, "data.csv_test=" + csv, "data.val_fraction=0.2",
             "train.batch_size=32", "train.epochs=1", "train.threads=2", "train.seed=1", "model.dropout=0.1"})
      c.set(s);
    std::ostringstream out, err;
    TrainerOptions o;
    o.run_dir = tmp.file(arch);
    o.out = &out;
    o.err = &err;
    o.progress = 0;
    o.handle_sigint = false;
    TrainResult r = Trainer(c, o).run();
    ASSERT_EQ(r.exit_code, 0) << r.message << err.str();
    ASSERT_EQ(r.log.size(), 1u);
    EXPECT_TRUE(std::isfinite(r.log[0].train_loss));
    EXPECT_TRUE(std::isfinite(r.test_acc));
    // The checkpoint loads into the model the saved config builds, and inspect runs on it.
    auto model = build_model(Config::from_toml_file(tmp.file(std::string(arch) + "/config.toml")), 784, 3);
    load_weights(tmp.file(std::string(arch) + "/best.safetensors"), *model);
    InspectResult ir = inspect_layers(*model, randn({4, 784}), randint(0, 3, {4}));
    ASSERT_EQ(ir.layers.size(), model->size());
    EXPECT_EQ(ir.layers[1].type, arch == std::string("gru") ? "GRU" : "LSTM");
    EXPECT_EQ(ir.layers[2].output_shape, Dims({4, 8}));
  }
}

}  // namespace
}  // namespace keel::train
