// The caching allocator: freed blocks come back for the same size class, large blocks (which
// it advises into huge pages) hold their bytes like any other, and empty_cache() gives the
// cached bytes back.
#include "keel/core/allocator.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace keel {
namespace {

TEST(AllocatorTest, ReusesFreedBlocksOfTheSameClass) {
#ifdef KEEL_NO_CACHING_ALLOCATOR
  GTEST_SKIP() << "the sanitizer build bypasses the cache (use-after-free stays visible)";
#endif
  allocator::empty_cache();
  void* a = allocator::allocate(100000);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(a) % 64, 0u);
  allocator::deallocate(a, 100000);
  EXPECT_GE(allocator::cached_bytes(), 100000u);
  void* b = allocator::allocate(99000);  // the same size class
  EXPECT_EQ(b, a);
  allocator::deallocate(b, 99000);
  allocator::empty_cache();
  EXPECT_EQ(allocator::cached_bytes(), 0u);
}

TEST(AllocatorTest, LargeBlocksHoldTheirBytes) {
  allocator::empty_cache();
  for (std::size_t n : {std::size_t{4} << 20, (std::size_t{9} << 20) + 123}) {
    auto* p = static_cast<std::uint8_t*>(allocator::allocate(n));
    ASSERT_NE(p, nullptr);
    for (std::size_t i = 0; i < n; i += 4096) p[i] = static_cast<std::uint8_t>(i / 4096);
    p[n - 1] = 0xAB;
    for (std::size_t i = 0; i < n; i += 4096) ASSERT_EQ(p[i], static_cast<std::uint8_t>(i / 4096)) << i;
    EXPECT_EQ(p[n - 1], 0xAB);
    allocator::deallocate(p, n);
  }
  allocator::empty_cache();
}

// The VmFlags of the mapping holding `addr` in /proc/self/smaps ("" if none is found).
std::string vm_flags_at(const void* addr) {
  std::ifstream smaps("/proc/self/smaps");
  const auto a = reinterpret_cast<std::uintptr_t>(addr);
  bool inside = false;
  for (std::string line; std::getline(smaps, line);) {
    std::uintptr_t lo = 0, hi = 0;
    char dash = 0;
    std::istringstream head(line);
    if (head >> std::hex >> lo >> dash >> hi && dash == '-') {
      inside = a >= lo && a < hi;
    } else if (inside && line.rfind("VmFlags:", 0) == 0) {
      return line;
    }
  }
  return "";
}

TEST(AllocatorTest, FreshLargeBlocksAreAdvisedIntoHugePages) {
#ifdef KEEL_NO_CACHING_ALLOCATOR
  GTEST_SKIP() << "the sanitizer build allocates without the caching allocator";
#endif
  if (!std::filesystem::exists("/sys/kernel/mm/transparent_hugepage/enabled"))
    GTEST_SKIP() << "no transparent huge pages in this kernel";
  allocator::empty_cache();
  const std::size_t n = std::size_t{8} << 20;
  void* p = allocator::allocate(n);
  // The first 2 MiB boundary inside the block: its mapping carries the advice ("hg").
  const auto aligned = (reinterpret_cast<std::uintptr_t>(p) + (std::uintptr_t{2} << 20) - 1) &
                       ~((std::uintptr_t{2} << 20) - 1);
  const std::string flags = vm_flags_at(reinterpret_cast<void*>(aligned));
  EXPECT_NE(flags.find(" hg"), std::string::npos) << flags;
  allocator::deallocate(p, n);
  allocator::empty_cache();
}

TEST(AllocatorTest, AdvisingHugePagesLeavesMemoryAsItWas) {
  // Ranges without a whole aligned 2 MiB page inside, and one with, of memory already written:
  // the advice changes how pages are backed, never what they hold.
  std::vector<std::uint8_t> small(1000, 7);
  allocator::advise_huge_pages(small.data(), small.size());
  allocator::advise_huge_pages(small.data() + 1, 0);
  std::vector<std::uint8_t> big(std::size_t{6} << 20, 9);
  allocator::advise_huge_pages(big.data(), big.size());
  for (std::uint8_t v : small) ASSERT_EQ(v, 7);
  for (std::size_t i = 0; i < big.size(); i += 4096) ASSERT_EQ(big[i], 9) << i;
}

}  // namespace
}  // namespace keel
