#include "keel/train/run_data.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <mutex>
#include <numeric>
#include <optional>
#include <random>
#include <vector>

#include "keel/autograd/grad_mode.h"
#include "keel/core/error.h"
#include "keel/data/csv.h"
#include "keel/data/mnist.h"
#include "keel/data/transforms.h"
#include "keel/train/memory_estimate.h"
#include "text_format.h"

namespace keel::train {

namespace {

// (x - mean) / std in place, skipped when it changes nothing (so "none" is bit-exact).
void normalize(Tensor& x, const InputNormalization& n) {
  if (n.identity()) return;
  NoGradGuard no_grad;
  x.sub_(n.mean).div_(n.std);
}

std::string normalization_key(const InputNormalization& n) {
  return detail::round_trip(n.mean) + "/" + detail::round_trip(n.std) + ":";
}

// Decoded and normalized data sets by (kind, normalization, path): decoding 60,000 gzipped images takes a
// noticeable fraction of a second, and `keel compare` would otherwise repeat it per variant.
template <class Set>
std::shared_ptr<Set> cached(const std::string& key, const std::function<std::shared_ptr<Set>()>& make) {
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<Set>> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(key);
  if (it != cache.end()) return it->second;
  auto set = make();
  cache.emplace(key, set);
  return set;
}

// The images stay uint8 (47 MB for the training set instead of 188 MB as float) and are
// converted and normalized per batch, to the same values.
std::shared_ptr<data::ByteImageDataset> fashion(const Config& c, bool train) {
  const std::string& dir = c.get_string("data.dir");
  const InputNormalization n = input_normalization(c);
  return cached<data::ByteImageDataset>(
      std::string(train ? "fmnist-train:" : "fmnist-test:") + normalization_key(n) + dir, [&] {
        return data::fashion_mnist_bytes(train, dir, data::PixelNormalization{n.mean, n.std});
      });
}

std::shared_ptr<data::TensorDataset> csv(const Config& c, const std::string& path, const char* key) {
  KEEL_CHECK(!path.empty(), "data.dataset = csv needs ", key, " (the path of a CSV file)");
  const InputNormalization n = input_normalization(c);
  return cached<data::TensorDataset>(
      "csv:" + c.get_string("data.csv_label") + ":" + normalization_key(n) + path, [&] {
        io::CsvOptions options;
        if (!c.get_string("data.csv_label").empty()) options.label_name = c.get_string("data.csv_label");
        auto set = data::load_csv(path, options);
        Tensor x = set->data();
        normalize(x, n);
        return set;
      });
}

std::shared_ptr<const data::Dataset> first(std::shared_ptr<const data::Dataset> set, std::int64_t n) {
  if (n <= 0 || n >= set->size()) return set;
  std::vector<std::int64_t> idx(static_cast<std::size_t>(n));
  std::iota(idx.begin(), idx.end(), 0);
  return std::make_shared<data::Subset>(std::move(set), std::move(idx));
}

void describe_samples(const data::TensorDataset& set, RunData& out) {
  out.in_features = set.data().numel() / std::max<std::int64_t>(set.data().size(0), 1);
}
void describe_samples(const data::ByteImageDataset& set, RunData& out) {
  out.in_features = set.sample_shape().numel();
}

void fill_classes(const Config& c, std::int64_t classes, RunData& out) {
  out.classes = classes;
  out.class_names.clear();
  if (c.get_string("data.dataset") == "fashion-mnist") {
    for (const char* n : data::kFashionMnistClasses) out.class_names.emplace_back(n);
  } else {
    for (std::int64_t i = 0; i < classes; ++i) out.class_names.push_back(std::to_string(i));
  }
}

std::int64_t class_count(const data::TensorDataset& set) {
  KEEL_CHECK(set.size() > 0, "the data set is empty");
  return static_cast<std::int64_t>(set.targets().max().item()) + 1;
}

std::int64_t size_of(const std::shared_ptr<const data::Dataset>& set) { return set ? set->size() : 0; }

// The model and the largest batch any loader over `out` will make must fit in memory.
void check_run_memory(const Config& c, const RunData& out) {
  const std::int64_t train_batch = std::min(c.get_int("train.batch_size"), size_of(out.train));
  const std::int64_t eval_batch =
      std::min(c.get_int("train.eval_batch_size"), std::max(size_of(out.val), size_of(out.test)));
  check_memory(c, out.in_features, out.classes, std::max(train_batch, eval_batch));
}

const std::vector<double>& range(const Config& c, const std::string& key) {
  return std::get<std::vector<double>>(c.get(key));
}

// data.test_jitter: a copy of the (first data.test_subset) test images in which each image's
// pixels p become c * p + b, c and b drawn per image. The images are stored normalized,
// z = (p - m) / s, so the same change is z' = c * z + ((c - 1) * m + b) / s.
std::shared_ptr<const data::Dataset> jittered(const Config& c, const data::Dataset& test,
                                              std::int64_t subset) {
  const auto& contrast = range(c, "data.test_jitter.contrast");
  const auto& brightness = range(c, "data.test_jitter.brightness");
  KEEL_CHECK(c.get_string("data.dataset") == "fashion-mnist",
             "data.test_jitter changes the contrast and brightness of images; it needs data.dataset = "
             "fashion-mnist");
  const std::int64_t n = subset > 0 ? std::min(subset, test.size()) : test.size();
  // The first n images as one float batch (the dataset keeps its images as bytes).
  std::vector<std::int64_t> rows(static_cast<std::size_t>(n));
  std::iota(rows.begin(), rows.end(), std::int64_t{0});
  std::optional<data::Example> batch = test.gather(rows.data(), n);
  KEEL_CHECK(batch.has_value(), "data.test_jitter: the test set cannot be gathered as one batch");
  Tensor x = batch->data.contiguous().clone();
  Tensor y = batch->target.contiguous().clone();
  const InputNormalization norm = input_normalization(c);
  // Its own stream, so that the jitter does not depend on what else the seed drives.
  std::mt19937_64 rng(static_cast<std::uint64_t>(c.get_int("train.seed")) ^ 0x6a09e667f3bcc909ULL);
  std::uniform_real_distribution<double> draw_c(contrast[0], contrast[1]),
      draw_b(brightness[0], brightness[1]);
  const std::int64_t per_image = n > 0 ? x.numel() / n : 0;
  float* p = x.data_ptr<float>();
  for (std::int64_t i = 0; i < n; ++i) {
    const double scale = contrast[0] == contrast[1] ? contrast[0] : draw_c(rng);
    const double shift = brightness[0] == brightness[1] ? brightness[0] : draw_b(rng);
    const double offset = ((scale - 1.0) * norm.mean + shift) / norm.std;
    for (std::int64_t j = 0; j < per_image; ++j, ++p) *p = static_cast<float>(scale * *p + offset);
  }
  return std::make_shared<data::TensorDataset>(x, y);
}

bool jitter_on(const Config& c) {
  const auto& contrast = range(c, "data.test_jitter.contrast");
  const auto& brightness = range(c, "data.test_jitter.brightness");
  return !(contrast[0] == 1.0 && contrast[1] == 1.0 && brightness[0] == 0.0 && brightness[1] == 0.0);
}

// The test set as configured: its first data.test_subset images, jittered if asked.
std::shared_ptr<const data::Dataset> test_set(const Config& c,
                                              const std::shared_ptr<const data::Dataset>& test) {
  if (jitter_on(c)) return jittered(c, *test, c.get_int("data.test_subset"));
  return first(test, c.get_int("data.test_subset"));
}

}  // namespace

InputNormalization input_normalization(const Config& c) {
  const ConfigValue& v = c.get("data.normalize");
  if (const auto* given = std::get_if<std::vector<double>>(&v)) return {(*given)[0], (*given)[1]};
  if (std::get<std::string>(v) == "dataset" && c.get_string("data.dataset") == "fashion-mnist")
    return {kFashionMnistMean, kFashionMnistStd};
  return {};  // "none", or "dataset" for CSV data, which keel knows no statistics of
}

RunData load_run_data(const Config& c) {
  RunData out;
  std::shared_ptr<const data::Dataset> full, test;
  if (c.get_string("data.dataset") == "fashion-mnist") {
    auto images = fashion(c, true);
    describe_samples(*images, out);
    fill_classes(c, 10, out);
    full = images;
    test = fashion(c, false);
  } else {
    auto rows = csv(c, c.get_string("data.csv_train"), "data.csv_train");
    describe_samples(*rows, out);
    fill_classes(c, class_count(*rows), out);
    full = rows;
    if (!c.get_string("data.csv_test").empty()) test = csv(c, c.get_string("data.csv_test"), "data.csv_test");
  }

  const std::int64_t n = full->size();
  const auto n_val =
      static_cast<std::int64_t>(std::llround(static_cast<double>(n) * c.get_double("data.val_fraction")));
  KEEL_CHECK(n - n_val > 0, "data.val_fraction = ", detail::round_trip(c.get_double("data.val_fraction")),
             " leaves no training samples");
  const auto seed = static_cast<std::uint64_t>(c.get_int("train.seed"));
  auto parts = data::random_split(full, {n - n_val, n_val}, seed);
  out.train = first(parts[0], c.get_int("data.train_subset"));
  if (n_val > 0) out.val = parts[1];
  if (test) out.test = test_set(c, test);
  check_run_memory(c, out);
  return out;
}

RunData load_test_data(const Config& c) {
  RunData out;
  std::shared_ptr<const data::Dataset> test;
  if (c.get_string("data.dataset") == "fashion-mnist") {
    auto images = fashion(c, false);
    describe_samples(*images, out);
    fill_classes(c, 10, out);
    test = images;
  } else {
    auto rows = csv(c, c.get_string("data.csv_test"), "data.csv_test");
    describe_samples(*rows, out);
    fill_classes(c, class_count(*rows), out);
    test = rows;
  }
  out.test = test_set(c, test);
  check_run_memory(c, out);
  return out;
}

std::unique_ptr<data::DataLoader> make_train_loader(const Config& c,
                                                    std::shared_ptr<const data::Dataset> train,
                                                    int num_replicas, int rank) {
  data::DataLoaderOptions o;
  o.num_replicas = num_replicas;
  o.rank = rank;
  o.batch_size = c.get_int("train.batch_size");
  o.shuffle = true;
  o.seed = static_cast<std::uint64_t>(c.get_int("train.seed"));
  // data.augment is data.crop and data.hflip together.
  const bool augment = c.get_bool("data.augment");
  std::vector<std::shared_ptr<const data::Transform>> transforms;
  const double erase = c.get_double("data.erase");
  for (const char* key : {"data.augment", "data.crop", "data.hflip", "data.erase"}) {
    if (key == std::string_view("data.erase") ? !(erase > 0.0) : !c.get_bool(key)) continue;
    KEEL_CHECK(c.get_string("data.dataset") == "fashion-mnist", key, " needs image data (fashion-mnist)");
  }
  if (augment || c.get_bool("data.crop")) transforms.push_back(std::make_shared<data::RandomCrop>(28, 2));
  if (augment || c.get_bool("data.hflip"))
    transforms.push_back(std::make_shared<data::RandomHorizontalFlip>());
  // Last, as torchvision's pipelines place it: it erases whole shifted images.
  if (erase > 0.0) transforms.push_back(std::make_shared<data::RandomErasing>(erase));
  if (transforms.size() == 1) {
    o.transform = transforms.front();
  } else if (transforms.size() > 1) {
    o.transform = std::make_shared<data::Compose>(std::move(transforms));
  }
  return std::make_unique<data::DataLoader>(std::move(train), o);
}

std::unique_ptr<data::DataLoader> make_eval_loader(const Config& c,
                                                   std::shared_ptr<const data::Dataset> set) {
  data::DataLoaderOptions o;
  o.batch_size = c.get_int("train.eval_batch_size");
  // Made on demand: an evaluation batch (1000 images, 3 MB as float) takes well under a
  // millisecond to convert, against ~10 ms for its forward pass, while batches prefetched on a
  // worker thread would hold several more of them (and that thread's malloc arena) in memory.
  o.prefetch = 0;
  return std::make_unique<data::DataLoader>(std::move(set), o);
}

}  // namespace keel::train
