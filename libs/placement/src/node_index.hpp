#pragma once
// Internal: lookup of nodes by id and the weights every planner shares.
// Holds a pointer to the caller's vector: the vector must outlive the index
// and keep its size (planners mutate loads in a working copy, never the set).
#include <array>
#include <cassert>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "ropekv/common/result.hpp"
#include "ropekv/placement/node.hpp"

namespace ropekv::placement::detail {

class node_index {
 public:
  /// First occurrence wins for duplicate ids; use validate() to reject them.
  explicit node_index(const std::vector<node_info>& nodes);

  /// errc::invalid_argument when two nodes share an id.
  static status validate(const std::vector<node_info>& nodes);

  const node_info* find(node_id id) const;
  /// Position of `id` in the indexed vector, for callers owning a working copy.
  std::optional<size_t> position(node_id id) const;
  const std::vector<node_info>& nodes() const { return *nodes_; }

  /// Weight of a node (capacity, or 1 each when some capacity is unknown).
  double weight(const node_info& node) const;
  /// bytes / capacity (plain bytes when capacity is unknown).
  static double fill(uint64_t bytes, uint64_t capacity);

  /// domain_key() / slot_key(), precomputed. `node` must be an element of
  /// the indexed vector (as find() and nodes() return them).
  const std::string& domain(const node_info& node, failure_domain level) const;
  const std::string& slot(const node_info& node) const;

  /// Domains at `level` holding a node that accepts replicas.
  const std::unordered_set<std::string>& accepting_domains(failure_domain level) const;
  size_t accepting_count() const { return accepting_; }

 private:
  const std::vector<node_info>* nodes_;
  std::unordered_map<node_id, size_t> pos_;
  bool uniform_ = true;
  double max_capacity_ = 1;
  size_t accepting_ = 0;
  std::vector<std::array<std::string, 4>> keys_;  // host, rack, dc domain; slot
  mutable std::array<std::optional<std::unordered_set<std::string>>, 3> domains_;
};

}  // namespace ropekv::placement::detail
