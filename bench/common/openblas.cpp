#include "common/openblas.h"

#include <dlfcn.h>

namespace bench {

void set_openblas_threads(int n) {
  // Looked up at run time: OpenBLAS comes in through LibTorch, not through our link line.
  using Fn = void (*)(int);
  if (auto fn = reinterpret_cast<Fn>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) fn(n);
}

}  // namespace bench
