#include "autograd/node_table.h"

#include <algorithm>
#include <bit>

namespace keel::autograd::detail {

namespace {

constexpr std::size_t kMinSlots = 64;

// The slot array of the last finished backward on this thread, kept for the next one. A
// backward started from inside another (from a hook) finds it taken and allocates its own.
struct Spare {
  std::vector<NodeTable::Slot> slots;
  std::size_t last_size = 0;
};
thread_local Spare spare;

}  // namespace

NodeTable::NodeTable() : slots_(std::move(spare.slots)) {
  // Room for the previous graph at half load, so a repeated step never grows the table.
  std::size_t n = std::bit_ceil(std::max(kMinSlots, 2 * spare.last_size));
  slots_.clear();
  slots_.resize(n);
  shift_ = 64 - std::countr_zero(n);
}

NodeTable::~NodeTable() {
  spare.last_size = size_;
  // Drop gradients left behind by an exception, so the spare array holds no tensors.
  for (Slot& s : slots_)
    if (s.grad.defined()) s.grad = Tensor();
  if (slots_.capacity() > spare.slots.capacity()) spare.slots = std::move(slots_);
}

std::size_t NodeTable::probe(const Node* n) const {
  // Fibonacci hashing: node addresses differ mostly in their middle bits.
  std::uint64_t h = static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(n)) * 0x9E3779B97F4A7C15ull;
  std::size_t mask = slots_.size() - 1;
  std::size_t i = static_cast<std::size_t>(h >> shift_);
  while (slots_[i].node != nullptr && slots_[i].node != n) i = (i + 1) & mask;
  return i;
}

NodeTable::Slot& NodeTable::find_or_insert(Node* n, bool& inserted) {
  if (2 * (size_ + 1) > slots_.size()) grow();
  Slot& s = slots_[probe(n)];
  inserted = s.node == nullptr;
  if (inserted) {
    s.node = n;
    ++size_;
  }
  return s;
}

NodeTable::Slot& NodeTable::at(Node* n) {
  Slot& s = slots_[probe(n)];
  KEEL_CHECK(s.node == n, "backward: internal error: node ", n->name(),
             " was not reached by the dependency walk");
  return s;
}

void NodeTable::grow() {
  std::vector<Slot> old = std::move(slots_);
  slots_ = std::vector<Slot>(old.size() * 2);
  shift_ -= 1;
  for (Slot& s : old)
    if (s.node != nullptr) slots_[probe(s.node)] = std::move(s);
}

}  // namespace keel::autograd::detail
