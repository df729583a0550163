#pragma once
// Evaluation of a classifier over a loader: mean cross-entropy, accuracy and the confusion
// matrix. Runs in eval mode without autograd and restores the module's mode afterwards.
#include <cstdint>
#include <string>
#include <vector>

#include "keel/data/dataloader.h"
#include "keel/dist/process_group.h"
#include "keel/nn/module.h"

namespace keel::train {

struct EvalResult {
  double loss = 0.0;      // mean cross-entropy (no label smoothing)
  double accuracy = 0.0;  // fraction in [0, 1]
  std::int64_t samples = 0;
  // confusion[t][p]: samples of true class t predicted as p.
  std::vector<std::vector<std::int64_t>> confusion;

  // Accuracy of each true class (NaN for a class with no samples).
  std::vector<double> per_class_accuracy() const;
};

EvalResult evaluate(nn::Module& model, data::DataLoader& loader, std::int64_t classes);

// The same evaluation spread over a data-parallel group: rank r evaluates the loader's batches
// r, r + N, r + 2N, ... and the sums are allreduced, so every rank returns the whole loader's
// result (evaluate()'s, up to the order in which the loss is summed). A collective: every rank
// calls it with the same loader and replicas that hold the same weights and buffers.
EvalResult evaluate(nn::Module& model, data::DataLoader& loader, std::int64_t classes,
                    dist::ProcessGroup& group);

// The per-class table and the confusion matrix as text, with `names` as row labels.
std::string format_per_class(const EvalResult& r, const std::vector<std::string>& names);
std::string format_confusion(const EvalResult& r, const std::vector<std::string>& names);

}  // namespace keel::train
