// fashion_epoch and start-up for keel: one epoch of the mlp_step model (784-512-256-10 with
// BatchNorm1d, ReLU, Dropout(0.2); SGD lr 0.01 momentum 0.9 wd 5e-4; clip_grad_norm_ 1.0)
// over the 60,000 Fashion-MNIST training images in shuffled batches of 128, then the test
// accuracy; data loading included. Prints one JSON line; bench/e2e/run.sh compares it with
// bench/e2e/pytorch_epoch.py and bench/e2e/libtorch_startup.cpp.
//   keel_epoch THREADS [--steps N]   (--steps: time to first step and peak RSS of N steps)
#include <keel/data/data.h>
#include <keel/keel.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

using namespace keel;
using Clock = std::chrono::steady_clock;

namespace {
std::shared_ptr<nn::Sequential> mlp() {
  using namespace keel::nn;
  return std::make_shared<Sequential>(std::initializer_list<std::shared_ptr<Module>>{
      std::make_shared<Linear>(784, 512), std::make_shared<BatchNorm1d>(512), std::make_shared<ReLU>(),
      std::make_shared<Dropout>(0.2), std::make_shared<Linear>(512, 256), std::make_shared<BatchNorm1d>(256),
      std::make_shared<ReLU>(), std::make_shared<Dropout>(0.2), std::make_shared<Linear>(256, 10)});
}
double peak_rss_mb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;
}
}  // namespace

int main(int argc, char** argv) {
  const auto t_start = Clock::now();
  const int threads = argc > 1 ? std::atoi(argv[1]) : 1;
  const long steps = (argc > 3 && !std::strcmp(argv[2], "--steps")) ? std::atol(argv[3]) : 0;
  set_num_threads(threads);
  manual_seed(0);
  auto model = mlp();
  optim::SGD opt(model->parameters(), optim::SGDOptions{0.01, 0.9, 0.0, 5e-4});
  nn::CrossEntropyLoss criterion;
  auto step = [&](const Tensor& x, const Tensor& y) {
    opt.zero_grad(/*set_to_none=*/true);
    Tensor loss = criterion(model->forward(x.reshape({x.size(0), -1})), y);
    loss.backward();
    nn::utils::clip_grad_norm_(model->parameters(), 1.0);
    opt.step();
  };
  if (steps > 0) {  // start-up and memory: synthetic batch, no data loading
    Tensor x = randn({128, 784});
    Tensor y = randint(0, 10, {128});
    step(x, y);
    double first_step_ms = std::chrono::duration<double, std::milli>(Clock::now() - t_start).count();
    for (long i = 1; i < steps; ++i) step(x, y);
    std::printf("{\"system\": \"keel\", \"threads\": %d, \"first_step_ms\": %.1f, \"peak_rss_mb\": %.1f}\n",
                threads, first_step_ms, peak_rss_mb());
    return 0;
  }
  const auto t0 = Clock::now();
  auto train = data::fashion_mnist(true);
  auto test = data::fashion_mnist(false);
  data::DataLoader loader(train, {.batch_size = 128, .shuffle = true, .drop_last = false, .seed = 0});
  model->train();
  for (const data::Batch& b : loader) step(b.data, b.target);
  model->eval();
  NoGradGuard no_grad;
  std::int64_t correct = 0;
  data::DataLoader test_loader(test, {.batch_size = 1000});
  for (const data::Batch& b : test_loader)
    correct += static_cast<std::int64_t>(
        argmax(model->forward(b.data.reshape({b.size(), -1})), 1).eq(b.target).sum().item());
  double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  std::printf(
      "{\"system\": \"keel\", \"threads\": %d, \"epoch_s\": %.3f, \"test_acc\": %.4f, \"peak_rss_mb\": "
      "%.1f}\n",
      threads, seconds, static_cast<double>(correct) / static_cast<double>(test->size()), peak_rss_mb());
  return 0;
}
