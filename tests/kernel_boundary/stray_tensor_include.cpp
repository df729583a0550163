// Compiled with keel_kernels' include path by the CTest kernels_cannot_include_tensor, which
// passes only when the compiler cannot find the tensor header: a kernel that includes it
// fails to build (issue 11: kernels see raw Views, never a Tensor).
#include "keel/tensor/tensor.h"

int main() { return 0; }
