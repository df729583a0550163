// Data-parallel scaling of the step workloads (bench/common/step_specs.h: mlp_step, cnn_step)
// and the allreduce cost model's two numbers. Run by bench/dist/run.sh in three layouts:
//   keel_dist_bench {mlp|cnn|all} --threads 1               1 process x 1 thread
//   keel_dist_bench {mlp|cnn|all} --threads 2               1 process x 2 threads
//   mpirun -np 2 keel_dist_bench {mlp|cnn|all} --threads 1  2 processes x 1 thread
// Each rank takes the spec's batch (so 2 ranks ideally double the throughput) and runs the
// step of bench/common/keel_models.h (SGD lr 0.01 momentum 0.9 wd 5e-4, clip_grad_norm_ 1.0)
// on a DistributedDataParallel replica. Ranks agree on every round's step count, and a round's
// time is the slowest rank's. Prints one JSON line per workload, and (with 2+ ranks) per
// allreduce size: 8 bytes (latency) and 25 MiB (bandwidth). With 2+ ranks it also times the
// step without DDP on every rank at once ("alone_samples_per_s"): the machine's bound for the
// layout before any communication.
//   --bucket-mb X   DDP's bucket_cap_mb (default 25)
//   --rounds N      timed rounds (default 7), median reported
#include <keel/keel.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "common/keel_models.h"
#include "keel/dist/process_group.h"
#include "keel/nn/parallel/distributed.h"

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// The slowest rank's value (a round ends when every rank has finished it).
double max_over_ranks(keel::dist::ProcessGroup& g, double value) {
  keel::Tensor t = keel::full({1}, value, keel::kFloat64);
  g.allreduce(t, keel::dist::ReduceOp::Max);
  return t.data_ptr<double>()[0];
}

// Rank 0's count, so every rank runs the same number of steps (the collectives must match).
long agreed(keel::dist::ProcessGroup& g, long count) {
  keel::Tensor t = keel::full({1}, static_cast<double>(count), keel::kInt64);
  g.broadcast(t, 0);
  return static_cast<long>(t.data_ptr<std::int64_t>()[0]);
}

// Median seconds per call of fn over `rounds` rounds of about 0.3 s, after about 0.2 s of
// warm-up. fn runs collectives, so every count is agreed by all ranks (rank 0's, from the
// slowest rank's time): a rank that ran one call more would wait for ever, or worse, meet
// another rank's different collective.
template <class Fn>
double median_seconds(keel::dist::ProcessGroup& g, int rounds, Fn&& fn) {
  for (int i = 0; i < 3; ++i) fn();  // first calls allocate and fill caches
  Clock::time_point t0 = Clock::now();
  for (int i = 0; i < 2; ++i) fn();
  const double per_call = std::max(1e-9, max_over_ranks(g, since(t0) / 2.0));
  const long more = agreed(g, std::max(0L, static_cast<long>(0.2 / per_call) - 5));
  for (long i = 0; i < more; ++i) fn();
  const long per_round = agreed(g, std::max(1L, static_cast<long>(0.3 / per_call)));
  std::vector<double> times;
  for (int r = 0; r < rounds; ++r) {
    g.barrier();
    t0 = Clock::now();
    for (long i = 0; i < per_round; ++i) fn();
    times.push_back(max_over_ranks(g, since(t0) / static_cast<double>(per_round)));
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

void bench_step(keel::dist::ProcessGroup& g, const bench::StepSpec& spec, int threads, double bucket_mb,
                int rounds) {
  keel::manual_seed(0 + static_cast<std::uint64_t>(g.rank()));  // each rank its own batch
  keel::Tensor x = keel::randn(keel::Dims(spec.input_shape));
  keel::Tensor y = keel::randint(0, 10, {spec.batch()});
  auto group = keel::dist::world();
  // As `keel train` runs it: gradients as bucket views, buffers synced after forward.
  keel::nn::parallel::DDPOptions options;
  options.bucket_cap_mb = bucket_mb;
  options.gradient_as_bucket_view = true;
  options.buffer_sync = keel::nn::parallel::BufferSync::kPostForward;
  auto ddp =
      std::make_shared<keel::nn::parallel::DistributedDataParallel>(bench::keel_model(spec), group, options);
  keel::optim::SGD opt(ddp->parameters(), keel::optim::SGDOptions{0.01, 0.9, 0.0, 5e-4});
  keel::nn::CrossEntropyLoss criterion;
  auto step = [&] {
    opt.zero_grad(/*set_to_none=*/true);
    keel::Tensor loss = criterion(ddp->forward(x), y);
    loss.backward();
    keel::nn::utils::clip_grad_norm_(ddp->parameters(), 1.0);
    opt.step();
  };
  const double step_s = median_seconds(g, rounds, step);

  // The same step on each rank alone (no DDP, no gradient exchange), the ranks side by side:
  // what two processes get from this machine's two cores before any communication (shared
  // caches and memory, and one round lasting as long as the slower rank's).
  double alone_s = step_s;
  if (g.size() > 1) {
    auto model = bench::keel_model(spec);
    keel::optim::SGD alone_opt(model->parameters(), keel::optim::SGDOptions{0.01, 0.9, 0.0, 5e-4});
    alone_s = median_seconds(g, rounds, [&] {
      alone_opt.zero_grad(/*set_to_none=*/true);
      criterion(model->forward(x), y).backward();
      keel::nn::utils::clip_grad_norm_(model->parameters(), 1.0);
      alone_opt.step();
    });
  }

  // Communication per step: the bytes DDP reduced, allreduced with nothing to overlap.
  // Hidden: the share of those bytes whose allreduce had finished when backward ended (the
  // lower of the ranks' shares).
  double comm_s = 0, wait_s = 0, hidden = 0;
  std::int64_t buckets = 0, bytes = 0;
  if (g.size() > 1) {
    ddp->reset_stats();
    for (int i = 0; i < 20; ++i) step();
    const auto& st = ddp->stats();
    wait_s = max_over_ranks(g, st.wait_seconds / static_cast<double>(st.syncs));
    hidden = 1.0 - max_over_ranks(g, 1.0 - static_cast<double>(st.bytes_done_in_backward) /
                                               static_cast<double>(std::max<std::int64_t>(1, st.bytes)));
    buckets = st.buckets / st.syncs;
    bytes = st.bytes / st.syncs;
    keel::Tensor flat = keel::zeros({bytes / 4});
    comm_s = median_seconds(g, rounds, [&] { g.allreduce(flat, keel::dist::ReduceOp::Avg); });
  }
  if (g.rank() == 0) {
    std::printf(
        R"({"workload": "%s", "ranks": %d, "threads": %d, "batch_per_rank": %lld, "step_s": %.6g, )"
        R"("samples_per_s": %.1f, "buckets": %lld, "bytes_per_step": %lld, "comm_s": %.6g, "wait_s": %.6g, )"
        R"("hidden_share": %.3f, "alone_samples_per_s": %.1f})"
        "\n",
        spec.key.c_str(), g.size(), threads, static_cast<long long>(spec.batch()), step_s,
        static_cast<double>(spec.batch() * g.size()) / step_s, static_cast<long long>(buckets),
        static_cast<long long>(bytes), comm_s, wait_s, hidden,
        static_cast<double>(spec.batch() * g.size()) / alone_s);
    std::fflush(stdout);
  }
}

void bench_allreduce(keel::dist::ProcessGroup& g, std::int64_t bytes, int rounds) {
  keel::Tensor t = keel::zeros({bytes / 4});
  const double s = median_seconds(g, rounds, [&] { g.allreduce(t); });
  if (g.rank() == 0) {
    std::printf(R"({"allreduce_bytes": %lld, "ranks": %d, "seconds": %.6g, "bus_gb_per_s": %.3f})"
                "\n",
                static_cast<long long>(bytes), g.size(), s,
                // A ring allreduce moves 2 (n - 1) / n of the buffer through each link.
                2.0 * (g.size() - 1) / g.size() * static_cast<double>(bytes) / s / 1e9);
    std::fflush(stdout);
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string which = argc > 1 ? argv[1] : "";
  int threads = 1, rounds = 7;
  double bucket_mb = 25.0;
  for (int i = 2; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--threads")) {
      threads = std::atoi(argv[i + 1]);
    } else if (!std::strcmp(argv[i], "--bucket-mb")) {
      bucket_mb = std::atof(argv[i + 1]);
    } else if (!std::strcmp(argv[i], "--rounds")) {
      rounds = std::atoi(argv[i + 1]);
    } else {
      which.clear();
    }
  }
  std::vector<const bench::StepSpec*> specs;
  for (const char* key : {"mlp", "cnn"}) {
    if (which == key || which == "all") specs.push_back(bench::find_step_spec(key));
  }
  if (specs.empty() || threads < 1 || rounds < 1 || bucket_mb <= 0 || argc % 2 != 0) {
    std::fprintf(stderr, "usage: %s {mlp|cnn|all} [--threads N] [--bucket-mb X] [--rounds N]\n", argv[0]);
    return 2;
  }
  try {
    keel::set_num_threads(threads);
    auto g = keel::dist::world();
    for (const bench::StepSpec* spec : specs) bench_step(*g, *spec, threads, bucket_mb, rounds);
    if (g->size() > 1) {
      bench_allreduce(*g, 8, rounds);
      bench_allreduce(*g, 25 << 20, rounds);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "keel_dist_bench: error: %s\n", e.what());
    keel::dist::world()->abort(1);
  }
  return 0;
}
