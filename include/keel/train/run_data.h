#pragma once
// The data of a configured run: the training set split into train/validation (seeded by
// train.seed), an optional training subset, the test set, and the loaders over them. Shared
// by `keel train`, `eval` and `inspect`, so all three see the same preprocessing.
//
// Fashion-MNIST images are (N, 1, 28, 28) float32, scaled to [0, 1] (pixels / 255); CSV values
// are used as read. Then data.normalize applies: "dataset" (the default) standardizes
// Fashion-MNIST with its training set's mean and std (0.2860, 0.3530), as torchvision's Normalize
// would, and leaves CSV data as read; "none" leaves every value; [mean, std] computes
// (x - mean) / std, e.g. [0.5, 0.5] as in many PyTorch recipes.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "keel/data/dataloader.h"
#include "keel/data/dataset.h"
#include "keel/train/config.h"

namespace keel::train {

inline constexpr double kFashionMnistMean = 0.2860;
inline constexpr double kFashionMnistStd = 0.3530;

// data.normalize resolved for the configured data set: inputs become (x - mean) / std.
struct InputNormalization {
  double mean = 0.0, std = 1.0;
  bool identity() const { return mean == 0.0 && std == 1.0; }
};
InputNormalization input_normalization(const Config& config);

struct RunData {
  std::shared_ptr<const data::Dataset> train;  // after data.train_subset
  std::shared_ptr<const data::Dataset> val;    // null when data.val_fraction is 0
  std::shared_ptr<const data::Dataset> test;   // null when the data set has none (CSV without csv_test)
  std::int64_t in_features = 0;                // elements of one sample
  std::int64_t classes = 0;
  std::vector<std::string> class_names;  // Fashion-MNIST's names; "0", "1", ... otherwise
};

// Reads the configured data set (data.* keys). The decoded files are cached for the process,
// so `keel compare` reads them once for all its variants.
RunData load_run_data(const Config& config);
// Only the test set (for `keel eval`), with the same preprocessing.
RunData load_test_data(const Config& config);

// The training loader: shuffled with train.seed, batch train.batch_size, augmented when
// data.augment is set; rank `rank` of `num_replicas` sees its shard of every epoch.
std::unique_ptr<data::DataLoader> make_train_loader(const Config& config,
                                                    std::shared_ptr<const data::Dataset> train,
                                                    int num_replicas = 1, int rank = 0);
// An evaluation loader: in order, batch train.eval_batch_size.
std::unique_ptr<data::DataLoader> make_eval_loader(const Config& config,
                                                   std::shared_ptr<const data::Dataset> set);

}  // namespace keel::train
