#pragma once
// keel's caching allocator: freed blocks are kept by size class and reused, so a training
// loop stops page-faulting after its first step. Storage allocates from it, and so do
// kernels that need large temporary buffers (they sit below tensor/ and cannot use Storage).
#include <cstddef>

namespace keel::allocator {
void* allocate(std::size_t nbytes);  // 64-byte aligned
void deallocate(void* p, std::size_t nbytes);
std::size_t cached_bytes();
void empty_cache();  // returns every cached block to the system
}  // namespace keel::allocator
