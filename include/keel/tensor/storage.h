#pragma once
// Storage: a reference-counted buffer shared by a tensor and all of its views.
// It carries the version counter that autograd uses to detect in-place changes of
// tensors saved for backward (every view of the storage sees the same counter).
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

#include "keel/core/allocator.h"

namespace keel {

class Storage {
 public:
  // Allocates nbytes from keel's caching allocator (64-byte aligned).
  explicit Storage(std::size_t nbytes);
  // Wraps memory keel does not own; `deleter` (may be empty) runs when the storage dies.
  Storage(void* data, std::size_t nbytes, std::function<void(void*)> deleter);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const { return data_; }
  std::size_t nbytes() const { return nbytes_; }
  std::uint64_t version() const { return version_; }
  void bump_version() { ++version_; }

 private:
  void* data_ = nullptr;
  std::size_t nbytes_ = 0;
  std::uint64_t version_ = 0;
  bool owned_ = true;
  std::function<void(void*)> deleter_;
};

}  // namespace keel
