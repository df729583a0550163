#pragma once

namespace bench {

// torch::set_num_threads does not reach Debian's OpenBLAS (a pthreads build with its own
// pool), so LibTorch's matmul would use every core at "1 thread". This gives OpenBLAS the same
// count; it does nothing when OpenBLAS is not loaded.
void set_openblas_threads(int n);

}  // namespace bench
