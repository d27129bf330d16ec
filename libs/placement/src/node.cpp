#include <algorithm>
#include <unordered_set>

#include "node_index.hpp"
#include "ropekv/keys/key_codec.hpp"
#include "ropekv/placement/node.hpp"

namespace ropekv::placement {

status check_replication(uint32_t replication) {
  if (valid_replication(replication)) return {};
  return make_error(errc::invalid_argument,
                    "replication must be 1, 3 or 5, not " + std::to_string(replication));
}

// Escaped components with terminators: injective, whatever bytes labels hold.
std::string domain_key(const node_info& node, failure_domain level) {
  std::string out;
  keys::append_escaped(out, node.labels.dc);
  if (level == failure_domain::dc) return out;
  keys::append_escaped(out, node.labels.rack);
  if (level == failure_domain::rack) return out;
  keys::append_escaped(out, node.labels.host);
  return out;
}

std::string slot_key(const node_info& node) {
  std::string out = domain_key(node, failure_domain::host);
  keys::append_escaped(out, node.labels.numa);
  return out;
}

std::string_view to_string(failure_domain level) noexcept {
  switch (level) {
    case failure_domain::host: return "host";
    case failure_domain::rack: return "rack";
    case failure_domain::dc: return "dc";
  }
  return "unknown";
}

namespace detail {

node_index::node_index(const std::vector<node_info>& nodes) : nodes_(&nodes) {
  pos_.reserve(nodes.size());
  bool all_known = true;
  for (size_t i = 0; i < nodes.size(); ++i) {
    pos_.emplace(nodes[i].id, i);
    keys_.push_back({domain_key(nodes[i], failure_domain::host),
                     domain_key(nodes[i], failure_domain::rack),
                     domain_key(nodes[i], failure_domain::dc), slot_key(nodes[i])});
    if (!accepts_replicas(nodes[i])) continue;
    ++accepting_;
    if (nodes[i].capacity_bytes == 0) all_known = false;
    max_capacity_ = std::max(max_capacity_, static_cast<double>(nodes[i].capacity_bytes));
  }
  uniform_ = !all_known || accepting_ == 0;
}

status node_index::validate(const std::vector<node_info>& nodes) {
  std::unordered_set<node_id> seen;
  for (const auto& n : nodes) {
    if (!seen.insert(n.id).second) {
      return make_error(errc::invalid_argument,
                        "node " + std::to_string(n.id.value) + " listed twice");
    }
  }
  return {};
}

const node_info* node_index::find(node_id id) const {
  auto it = pos_.find(id);
  return it == pos_.end() ? nullptr : &(*nodes_)[it->second];
}

const std::string& node_index::domain(const node_info& node, failure_domain level) const {
  auto i = static_cast<size_t>(&node - nodes_->data());
  assert(i < keys_.size());
  return keys_[i][static_cast<size_t>(level)];
}

const std::string& node_index::slot(const node_info& node) const {
  auto i = static_cast<size_t>(&node - nodes_->data());
  assert(i < keys_.size());
  return keys_[i][3];
}

std::optional<size_t> node_index::position(node_id id) const {
  auto it = pos_.find(id);
  if (it == pos_.end()) return std::nullopt;
  return it->second;
}

double node_index::weight(const node_info& node) const {
  if (uniform_) return 1.0;
  // Normalised so weights stay near 1 and sums of squares stay well-scaled.
  return std::max(static_cast<double>(node.capacity_bytes), 1.0) / max_capacity_;
}

double node_index::fill(uint64_t bytes, uint64_t capacity) {
  if (capacity == 0) return static_cast<double>(bytes);
  return static_cast<double>(bytes) / static_cast<double>(capacity);
}

const std::unordered_set<std::string>& node_index::accepting_domains(failure_domain level) const {
  auto& cached = domains_[static_cast<size_t>(level)];
  if (!cached) {
    cached.emplace();
    for (const auto& n : *nodes_) {
      if (accepts_replicas(n)) cached->insert(domain(n, level));
    }
  }
  return *cached;
}

}  // namespace detail
}  // namespace ropekv::placement
