#pragma once
// One thread pool (OpenMP's) serves all of keel, oneDNN's GEMM included.

namespace keel {
void set_num_threads(int n);  // like torch::set_num_threads
int get_num_threads();
}  // namespace keel
