#include "keel/train/model_factory.h"

#include <cmath>

#include "keel/nn/activation.h"
#include "keel/nn/conv.h"
#include "keel/nn/dropout.h"
#include "keel/nn/init.h"
#include "keel/nn/linear.h"
#include "keel/nn/normalization.h"
#include "keel/nn/pooling.h"
#include "keel/nn/rnn.h"
#include "keel/nn/sync_batch_norm.h"
#include "keel/train/memory_estimate.h"
#include "keel/train/sequence_layers.h"

namespace keel::train {

namespace {

// model.channels: each block's MaxPool2d(2) halves the 28x28 image (28, 14, 7, 3, 1).
constexpr std::size_t kMaxConvBlocks = 4;

std::shared_ptr<nn::Module> activation(const std::string& name) {
  if (name == "relu") return std::make_shared<nn::ReLU>();
  if (name == "sigmoid") return std::make_shared<nn::Sigmoid>();
  if (name == "tanh") return std::make_shared<nn::Tanh>();
  if (name == "gelu") return std::make_shared<nn::GELU>();
  if (name == "leaky_relu") return std::make_shared<nn::LeakyReLU>();
  if (name == "elu") return std::make_shared<nn::ELU>();
  detail::fail("model.activation: unknown activation '", name, "'");
}

// Normalization over `features` channels; spatial selects the 2-d (N, C, H, W) forms.
std::shared_ptr<nn::Module> norm(const Config& c, std::int64_t features, bool spatial) {
  const std::string& kind = c.get_string("model.norm");
  if (kind == "none") return nullptr;
  if (kind == "batch") {
    if (spatial) return std::make_shared<nn::BatchNorm2d>(features);
    return std::make_shared<nn::BatchNorm1d>(features);
  }
  // SyncBatchNorm over dist::world(): the global batch of every rank under mpirun, and exactly
  // BatchNorm in one process.
  if (kind == "sync_batch") return std::make_shared<nn::SyncBatchNorm>(features);
  if (kind == "instance") {
    // Per image and channel: it removes each image's own contrast and brightness. Affine, so it
    // can rescale as BatchNorm2d does (PyTorch's default is affine=False).
    KEEL_CHECK(spatial,
               "model.norm = instance normalizes each image's channels over their pixels; it needs "
               "model.arch = cnn (an MLP's hidden layer has no spatial extent: use batch, layer or group)");
    return std::make_shared<nn::InstanceNorm2d>(features, 1e-5, 0.1, /*affine=*/true);
  }
  if (kind == "layer") {
    // For images, LayerNorm over (C, H, W) is GroupNorm with one group.
    if (spatial) return std::make_shared<nn::GroupNorm>(1, features);
    return std::make_shared<nn::LayerNorm>(Dims{features});
  }
  std::int64_t groups = c.get_int("model.groups");
  KEEL_CHECK(features % groups == 0, "model.groups: ", features, " channels are not divisible into ", groups,
             " groups");
  return std::make_shared<nn::GroupNorm>(groups, features);
}

// model.arch = gru / lstm: the image read row by row (kRows steps of kRows pixels) by a stack of
// recurrent layers of one width, the last step's output through an optional LayerNorm and
// dropout, then a Linear head.
void add_recurrent(nn::Sequential& seq, const Config& c, std::int64_t in_features, std::int64_t classes) {
  constexpr std::int64_t kRows = 28;
  const std::string& arch = c.get_string("model.arch");
  KEEL_CHECK(in_features == kRows * kRows, "model.arch = ", arch,
             " reads 28x28 images row by row (28 steps of ", "28 pixels), got ", in_features,
             " input features");
  const auto& hidden = c.get_ints("model.hidden");
  KEEL_CHECK(!hidden.empty(), "model.hidden: model.arch = ", arch, " needs at least one recurrent layer");
  for (std::int64_t h : hidden)
    KEEL_CHECK(h == hidden.front(), "model.hidden: the stacked layers of model.arch = ", arch,
               " share one width (PyTorch's hidden_size); give equal entries such as [", hidden.front(), ", ",
               hidden.front(), "], got ", h, " after ", hidden.front());
  const std::string& kind = c.get_string("model.norm");
  KEEL_CHECK(
      kind == "none" || kind == "layer" || kind == "batch", "model.norm = ", kind,
      " does not apply to model.arch = ", arch,
      "; use \"layer\" or \"batch\" (a LayerNorm or BatchNorm1d on the last step's output) or \"none\"");
  const double p = c.get_double("model.dropout");
  nn::RNNOptions o;
  o.input_size = kRows;
  o.hidden_size = hidden.front();
  o.num_layers = static_cast<std::int64_t>(hidden.size());
  o.batch_first = true;
  o.dropout = o.num_layers > 1 ? p : 0.0;  // between stacked layers, as PyTorch's dropout argument
  seq.push_back(std::make_shared<ImageRows>(kRows, kRows));
  if (arch == "gru") {
    seq.push_back(std::make_shared<nn::GRU>(o));
  } else {
    seq.push_back(std::make_shared<nn::LSTM>(o));
  }
  seq.push_back(std::make_shared<LastStep>());
  if (kind == "layer") seq.push_back(std::make_shared<nn::LayerNorm>(Dims{o.hidden_size}));
  if (kind == "batch") seq.push_back(std::make_shared<nn::BatchNorm1d>(o.hidden_size));
  if (p > 0) seq.push_back(std::make_shared<nn::Dropout>(p));
  seq.push_back(std::make_shared<nn::Linear>(o.hidden_size, classes));
}

std::string gain_name(const std::string& act) {
  return act == "gelu" || act == "elu" ? "relu" : act;  // closest entry of calculate_gain's table
}

}  // namespace

std::shared_ptr<nn::Sequential> build_model(const Config& c, std::int64_t in_features, std::int64_t classes) {
  // Refuse what the machine cannot hold before allocating any of it (load_run_data also counts
  // the batches).
  check_memory(c, in_features, classes, 0);
  auto seq = std::make_shared<nn::Sequential>();
  const double p = c.get_double("model.dropout");
  const std::string& act = c.get_string("model.activation");
  const std::string& arch = c.get_string("model.arch");
  const bool dropout_first = c.get_string("model.order") == "dropout_norm";
  KEEL_CHECK(!dropout_first || arch == "mlp",
             "model.order = dropout_norm places dropout before the norm in "
             "each MLP block; model.arch = ",
             arch, " has no such blocks (use model.order = norm_dropout)");
  if (arch == "gru" || arch == "lstm") {
    add_recurrent(*seq, c, in_features, classes);
  } else if (arch == "cnn") {
    KEEL_CHECK(in_features == 28 * 28, "model.arch = cnn expects 28x28 single-channel images, got ",
               in_features, " input features");
    const auto& channels = c.get_ints("model.channels");
    KEEL_CHECK(!channels.empty() && channels.size() <= kMaxConvBlocks,
               "model.channels: model.arch = cnn takes 1 to ", kMaxConvBlocks,
               " conv blocks (each halves the 28x28 image), got ", channels.size());
    std::int64_t in_ch = 1, side = 28;
    for (std::int64_t out_ch : channels) {
      seq->push_back(std::make_shared<nn::Conv2d>(in_ch, out_ch, 3, 1, 1));
      if (auto n = norm(c, out_ch, true)) seq->push_back(n);
      seq->push_back(activation(act));
      seq->push_back(std::make_shared<nn::MaxPool2d>(2));
      in_ch = out_ch;
      side /= 2;  // MaxPool2d(2) floors: 28, 14, 7, 3, 1
    }
    seq->push_back(std::make_shared<nn::Flatten>());
    seq->push_back(std::make_shared<nn::Linear>(in_ch * side * side, 128));
    seq->push_back(activation(act));
    if (p > 0) seq->push_back(std::make_shared<nn::Dropout>(p));
    seq->push_back(std::make_shared<nn::Linear>(128, classes));
  } else {
    seq->push_back(std::make_shared<nn::Flatten>());
    std::int64_t width = in_features;
    for (std::int64_t h : c.get_ints("model.hidden")) {
      seq->push_back(std::make_shared<nn::Linear>(width, h));
      if (p > 0 && dropout_first) seq->push_back(std::make_shared<nn::Dropout>(p));
      if (auto n = norm(c, h, false)) seq->push_back(n);
      seq->push_back(activation(act));
      if (p > 0 && !dropout_first) seq->push_back(std::make_shared<nn::Dropout>(p));
      width = h;
    }
    seq->push_back(std::make_shared<nn::Linear>(width, classes));
  }
  initialize_weights(*seq, c);
  return seq;
}

void initialize_weights(nn::Module& model, const Config& c) {
  const std::string& kind = c.get_string("model.init");
  if (kind == "default") return;
  const std::string nl = gain_name(c.get_string("model.activation"));
  const double value = c.get_double("model.init_value"), std = c.get_double("model.init_std");
  model.apply([&](nn::Module& m) {
    Tensor* w = nullptr;
    Tensor* b = nullptr;
    if (auto* l = m.as<nn::Linear>()) {
      w = &l->weight;
      b = &l->bias;
    } else if (auto* conv = m.as<nn::Conv2d>()) {
      w = &conv->weight;
      b = &conv->bias;
    } else {
      return;
    }
    if (kind == "constant") {
      nn::init::constant_(*w, value);
    } else if (kind == "uniform") {
      nn::init::uniform_(*w, -std, std);
    } else if (kind == "normal") {
      nn::init::normal_(*w, 0.0, std);
    } else if (kind == "xavier") {
      nn::init::xavier_uniform_(*w, nn::init::calculate_gain(nl));
    } else if (kind == "kaiming") {
      nn::init::kaiming_normal_(*w, 0.0, nn::init::FanMode::FanIn,
                                nl == "sigmoid" || nl == "tanh" ? nl : "relu");
    } else if (kind == "orthogonal") {
      nn::init::orthogonal_(*w, nn::init::calculate_gain(nl));
    }
    if (b->defined()) nn::init::zeros_(*b);
  });
}

}  // namespace keel::train
