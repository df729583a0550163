// fashion_epoch and start-up for keel: one epoch of the mlp_step model (784-512-256-10 with
// BatchNorm1d, ReLU, Dropout(0.2); SGD lr 0.01 momentum 0.9 wd 5e-4; clip_grad_norm_ 1.0)
// over the 60,000 Fashion-MNIST training images in shuffled batches of 128, then the test
// accuracy; data loading included. Prints one JSON line; bench/e2e/run.sh and bench/run_all.sh
// compare it with bench/e2e/pytorch_epoch.py and bench/e2e/libtorch_startup.cpp.
//   keel_epoch THREADS [--steps N] [--seed S]
// --steps: time from process start to the end of the first step, and peak RSS after N steps.
// --seed: seeds initialization, dropout and shuffling (default 0); the test accuracy of one
// seed differs from another's by about half a point, so compare means over seeds.
#include <keel/data/data.h>
#include <keel/keel.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "common/keel_models.h"
#include "common/process.h"

using namespace keel;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s THREADS [--steps N] [--seed S]\n", argv[0]);
    return 2;
  }
  const int threads = std::atoi(argv[1]);
  long steps = 0;
  std::uint64_t seed = 0;
  for (int i = 2; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--steps")) steps = std::atol(argv[i + 1]);
    if (!std::strcmp(argv[i], "--seed")) seed = std::strtoull(argv[i + 1], nullptr, 10);
  }
  set_num_threads(threads);
  manual_seed(seed);
  auto model = bench::keel_mlp(784, 512, 256);
  bench::KeelStep step = bench::keel_step(model);
  if (steps > 0) {  // start-up and memory: synthetic batch, no data loading
    Tensor x = randn({128, 784});
    Tensor y = randint(0, 10, {128});
    step(x, y);
    const double first_step_ms = bench::ms_since_process_start();
    for (long i = 1; i < steps; ++i) step(x, y);
    std::printf("{\"system\": \"keel\", \"threads\": %d, \"first_step_ms\": %.1f, \"peak_rss_mb\": %.1f}\n",
                threads, first_step_ms, bench::peak_rss_mb());
    return 0;
  }
  const auto t0 = Clock::now();
  // As `keel train` loads them: uint8 pixels converted per batch (the same float values as
  // decoding the whole set up front, a quarter of the memory and no 188 MB conversion pass).
  auto train = data::fashion_mnist_bytes(true);
  auto test = data::fashion_mnist_bytes(false);
  data::DataLoader loader(train, {.batch_size = 128, .shuffle = true, .drop_last = false, .seed = seed});
  model->train();
  for (const data::Batch& b : loader) step(b.data.reshape({b.size(), -1}), b.target);
  model->eval();
  NoGradGuard no_grad;
  std::int64_t correct = 0;
  data::DataLoader test_loader(test, {.batch_size = 1000});
  for (const data::Batch& b : test_loader)
    correct += static_cast<std::int64_t>(
        argmax(model->forward(b.data.reshape({b.size(), -1})), 1).eq(b.target).sum().item());
  double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  std::printf(
      "{\"system\": \"keel\", \"threads\": %d, \"seed\": %llu, \"epoch_s\": %.3f, \"test_acc\": %.4f, "
      "\"peak_rss_mb\": %.1f}\n",
      threads, static_cast<unsigned long long>(seed), seconds,
      static_cast<double>(correct) / static_cast<double>(test->size()), bench::peak_rss_mb());
  return 0;
}
