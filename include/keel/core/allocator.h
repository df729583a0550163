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
// Asks the kernel to back [p, p + n) with transparent huge pages where they fit (its 2 MiB
// aligned interior) before the memory is first touched: a fresh 100 MB block then takes 50
// page faults instead of 25,000. A no-op where the kernel does not offer them. allocate()
// does this for blocks of 4 MiB and more.
void advise_huge_pages(void* p, std::size_t n);
}  // namespace keel::allocator
