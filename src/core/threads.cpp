#include "keel/core/threads.h"

#include <omp.h>

#include "keel/core/error.h"

namespace keel {
void set_num_threads(int n) {
  KEEL_CHECK(n > 0, "set_num_threads: expected a positive number of threads, got ", n);
  omp_set_num_threads(n);
}
int get_num_threads() { return omp_get_max_threads(); }
}  // namespace keel
