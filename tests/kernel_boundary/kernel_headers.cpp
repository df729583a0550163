// Compiled with keel_kernels' include path by the CTest kernels_include_path_builds: the
// kernels' own headers and keel/core resolve there (the control for
// kernels_cannot_include_tensor, which must fail for the missing header and nothing else).
#include "keel/core/view.h"
#include "kernels/cpu/copy.h"
#include "kernels/cpu/unary.h"

int main() { return 0; }
