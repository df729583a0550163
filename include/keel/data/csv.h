#pragma once
// A TensorDataset from a numeric CSV file (see keel/io/csv.h for the accepted format):
// data (rows, features) float32, targets (rows) int64.
#include <memory>
#include <string>

#include "keel/data/dataset.h"
#include "keel/io/csv.h"

namespace keel::data {

std::shared_ptr<TensorDataset> load_csv(const std::string& path, const io::CsvOptions& options = {});
// The same from a parsed table.
std::shared_ptr<TensorDataset> csv_dataset(const io::CsvTable& table);

}  // namespace keel::data
