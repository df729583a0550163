#pragma once
// summary.json: a run's outcome (status, epochs, best epoch, test accuracy, verdict) for
// scripts. Written with every epoch commit (status "running") and once more at the end.
#include <string>

#include "keel/train/trainer.h"

namespace keel::train::detail {

// `status`: "running", or empty for the result's own status.
std::string summary_json(const TrainResult& r, const std::string& status = "");

}  // namespace keel::train::detail
