#include "keel/core/allocator.h"

#include <sys/mman.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <new>
#include <vector>

namespace keel {
namespace allocator {
namespace {

constexpr std::size_t kAlign = 64;
// Blocks below this size come from size classes; larger ones are cached by exact class too,
// up to kMaxCached bytes in all.
constexpr std::size_t kMaxCached = std::size_t{2} << 30;
// Fresh blocks at least this large get huge pages: an evaluation batch of 1000 images through
// the CNN allocated 300 MB of them per epoch, whose 4 KiB page faults cost 3% of its epoch.
constexpr std::size_t kHugePageBlock = std::size_t{4} << 20;

// Rounds up to a size class: multiples of 64 bytes below 4 KiB, then four classes per
// power of two (at most 25% slack).
std::size_t size_class(std::size_t n) {
  if (n <= 4096) return (n + kAlign - 1) / kAlign * kAlign;
  std::size_t p = std::size_t{1} << (63 - __builtin_clzll(n - 1));  // highest power below n
  std::size_t step = p / 4;
  return (n + step - 1) / step * step;
}

// The position of a size class in Cache::free_blocks: the 64 small classes first, then four
// per power of two. Indexing an array keeps hashing off the path of every tensor allocation.
constexpr int kSmallClasses = 4096 / kAlign;
constexpr int kNumClasses = kSmallClasses + 4 * (64 - 12);

int class_index(std::size_t cls) {
  if (cls <= 4096) return static_cast<int>(cls / kAlign) - 1;
  int log2_p = 63 - __builtin_clzll(cls - 1);  // cls is in (p, 2p], a multiple of p / 4
  std::size_t step = (std::size_t{1} << log2_p) / 4;
  return kSmallClasses + 4 * (log2_p - 12) + static_cast<int>(cls / step) - 5;
}

struct Cache {
  std::mutex mu;
  std::array<std::vector<void*>, kNumClasses> free_blocks;
  std::size_t cached = 0;

  ~Cache() { release_all(); }
  void release_all() {
    for (auto& blocks : free_blocks) {
      for (void* p : blocks) std::free(p);
      blocks.clear();
    }
    cached = 0;
  }
};

Cache& cache() {
  static Cache* c = new Cache();  // never destroyed: storages may die during static teardown
  return *c;
}

}  // namespace

void* allocate(std::size_t nbytes) {
#ifdef KEEL_NO_CACHING_ALLOCATOR
  void* raw = std::aligned_alloc(kAlign, size_class(nbytes == 0 ? 1 : nbytes));
  if (raw == nullptr) throw std::bad_alloc();
  return raw;
#endif
  std::size_t cls = size_class(nbytes == 0 ? 1 : nbytes);
  Cache& c = cache();
  {
    std::lock_guard<std::mutex> lock(c.mu);
    std::vector<void*>& blocks = c.free_blocks[class_index(cls)];
    if (!blocks.empty()) {
      void* p = blocks.back();
      blocks.pop_back();
      c.cached -= cls;
      return p;
    }
  }
  void* p = std::aligned_alloc(kAlign, cls);
  if (p == nullptr) {
    empty_cache();
    p = std::aligned_alloc(kAlign, cls);
    if (p == nullptr) throw std::bad_alloc();
  }
  if (cls >= kHugePageBlock) advise_huge_pages(p, cls);
  return p;
}

void deallocate(void* p, std::size_t nbytes) {
  if (p == nullptr) return;
#ifdef KEEL_NO_CACHING_ALLOCATOR
  std::free(p);
  return;
#endif
  std::size_t cls = size_class(nbytes == 0 ? 1 : nbytes);
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  if (c.cached + cls > kMaxCached) {
    std::free(p);
    return;
  }
  c.free_blocks[class_index(cls)].push_back(p);
  c.cached += cls;
}

std::size_t cached_bytes() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  return c.cached;
}

void empty_cache() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  c.release_all();
}

void advise_huge_pages(void* p, std::size_t n) {
#ifdef MADV_HUGEPAGE
  constexpr std::uintptr_t kHuge = std::uintptr_t{2} << 20;
  const auto begin = (reinterpret_cast<std::uintptr_t>(p) + kHuge - 1) & ~(kHuge - 1);
  const auto end = (reinterpret_cast<std::uintptr_t>(p) + n) & ~(kHuge - 1);
  if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
#else
  (void)p;
  (void)n;
#endif
}

}  // namespace allocator
}  // namespace keel
