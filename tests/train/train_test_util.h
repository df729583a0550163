#pragma once
// Helpers for the train reporting tests: a scratch directory and synthetic metric histories.
#include <gtest/gtest.h>
#include <keel/train/metrics.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace keel::testing {

// A fresh directory under the system temp dir, removed with its contents at scope exit.
class ScratchDir {
 public:
  ScratchDir() {
    static std::atomic<int> n{0};
    path_ = std::filesystem::temp_directory_path() /
            ("keel_train_test_" + std::to_string(::getpid()) + "_" + std::to_string(n++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::permissions(path_, std::filesystem::perms::owner_all, ec);
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }
  std::vector<std::string> entries() const {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(path_))
      out.push_back(e.path().filename().string());
    return out;
  }

 private:
  std::filesystem::path path_;
};

// Builds a history of `epochs` epochs (numbered from 1) from per-epoch functions.
inline train::MetricsLog make_log(int epochs, const std::function<void(int, train::EpochMetrics&)>& fill) {
  train::MetricsLog log;
  for (int e = 1; e <= epochs; ++e) {
    train::EpochMetrics m;
    m.epoch = e;
    m.lr = 0.1;
    m.grad_norm = 1.0;
    m.seconds = 2.0;
    fill(e, m);
    log.push_back(m);
  }
  return log;
}

// The textbook overfitting curve: val loss bottoms out at 0.312 at epoch 6 and climbs to 0.401
// at epoch 20 while train loss falls from 0.250 to 0.080; accuracies end at 98.1% / 85.7%.
inline train::MetricsLog overfitting_log() {
  return make_log(20, [](int e, train::EpochMetrics& m) {
    m.train_loss = e <= 6 ? 0.9 - 0.13 * (e - 1) : 0.25 - 0.17 * (e - 6) / 14.0;
    m.val_loss = e <= 6 ? 0.312 + 0.05 * (6 - e) : 0.312 + 0.089 * (e - 6) / 14.0;
    m.train_acc = 0.70 + 0.281 * (e - 1) / 19.0;
    m.val_acc = e <= 6 ? 0.70 + 0.03 * e : 0.87 - 0.013 * (e - 6) / 14.0;
  });
}

// A model that learns nothing: loss stays near ln(10), accuracy near chance.
inline train::MetricsLog underfitting_log() {
  return make_log(10, [](int e, train::EpochMetrics& m) {
    m.train_loss = 2.303 - 0.053 * (e - 1) / 9.0;
    m.val_loss = 2.304 - 0.05 * (e - 1) / 9.0;
    m.train_acc = 0.10 + 0.012 * (e - 1) / 9.0;
    m.val_acc = 0.10 + 0.01 * (e - 1) / 9.0;
  });
}

// Both losses fall together and the accuracies stay 2 points apart.
inline train::MetricsLog good_fit_log() {
  return make_log(15, [](int e, train::EpochMetrics& m) {
    m.train_loss = 0.3 + 0.7 * std::exp(-0.3 * (e - 1));
    m.val_loss = 0.33 + 0.67 * std::exp(-0.3 * (e - 1));
    m.train_acc = 0.92 - 0.3 * std::exp(-0.3 * (e - 1));
    m.val_acc = 0.90 - 0.3 * std::exp(-0.3 * (e - 1));
  });
}

}  // namespace keel::testing
