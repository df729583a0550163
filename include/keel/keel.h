#pragma once
// The one header users include. It stays light: declarations only; kernels and heavy
// templates live in the library's .cpp files.
#include "keel/autograd/grad_mode.h"
#include "keel/core/error.h"
#include "keel/core/threads.h"
#include "keel/ops/elementwise.h"
#include "keel/ops/indexing.h"
#include "keel/ops/linalg.h"
#include "keel/ops/reduce.h"
#include "keel/tensor/dtype.h"
#include "keel/tensor/factories.h"
#include "keel/tensor/random.h"
#include "keel/tensor/tensor.h"
