#pragma once
#include <functional>
#include <string>
#include <vector>

namespace bench {

// One workload run by both libraries: the same shapes, the same work per call.
struct Workload {
  std::string name;
  double bytes = 0;  // memory traffic per call (bandwidth-bound workloads)
  double flops = 0;  // arithmetic per call (compute-bound workloads)
  std::function<void()> keel_fn, torch_fn;
  double items = 0;  // samples per call (training steps): --json reports samples/s
};

std::vector<Workload> core_workloads();  // tensor core: issue "Foundation"
std::vector<Workload> nn_workloads();    // layers, normalization, optimizer steps
std::vector<Workload> step_workloads();  // whole training steps (performance issue)

}  // namespace bench
