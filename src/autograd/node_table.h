#pragma once
// The backward pass's per-node bookkeeping (dependency count and the gradient summed so far),
// kept in a flat open-addressing table keyed by node address. A training step's graph has a
// few dozen nodes and backward runs every step: a node-based hash map paid one allocation and
// one free per node per step, and hashing into scattered buckets. The slot array is reused by
// the next backward on the same thread, sized from the previous graph, so a steady training
// loop allocates nothing here.
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "keel/autograd/node.h"

namespace keel::autograd::detail {

class NodeTable {
 public:
  struct Slot {
    Node* node = nullptr;
    int dependencies = 0;
    Tensor grad;
  };

  NodeTable();
  ~NodeTable();
  NodeTable(const NodeTable&) = delete;
  NodeTable& operator=(const NodeTable&) = delete;

  // The slot of n, created (zero dependencies, no gradient) if n was not seen yet.
  Slot& find_or_insert(Node* n, bool& inserted);
  // The slot of a node already inserted.
  Slot& at(Node* n);

 private:
  std::size_t probe(const Node* n) const;
  void grow();

  std::vector<Slot> slots_;  // size is a power of two, at most half full
  int shift_ = 0;            // 64 - log2(slots_.size()): the hash keeps the top bits
  std::size_t size_ = 0;
};

}  // namespace keel::autograd::detail
