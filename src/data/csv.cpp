#include "keel/data/csv.h"

#include <cstring>

#include "keel/tensor/factories.h"

namespace keel::data {

std::shared_ptr<TensorDataset> csv_dataset(const io::CsvTable& table) {
  Tensor data = empty({table.rows, table.features}, kFloat32);
  Tensor targets = empty({table.rows}, kInt64);
  if (!table.data.empty()) std::memcpy(data.raw_data(), table.data.data(), table.data.size() * sizeof(float));
  if (!table.labels.empty())
    std::memcpy(targets.raw_data(), table.labels.data(), table.labels.size() * sizeof(std::int64_t));
  return std::make_shared<TensorDataset>(data, targets);
}

std::shared_ptr<TensorDataset> load_csv(const std::string& path, const io::CsvOptions& options) {
  return csv_dataset(io::read_csv_file(path, options));
}

}  // namespace keel::data
