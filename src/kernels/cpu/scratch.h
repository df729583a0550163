#pragma once
// A per-thread scratch buffer that keeps its memory between calls, so a kernel's temporary
// rows cost no allocation per step. Each user names its own Tag type: buffers of different
// tags never alias, so one kernel's scratch survives a call into another.
#include <cstddef>
#include <vector>

namespace keel::kernels {

template <class Tag, class T>
T* thread_scratch(std::size_t n) {
  thread_local std::vector<T> buf;
  if (buf.size() < n) buf.resize(n);
  return buf.data();
}

}  // namespace keel::kernels
