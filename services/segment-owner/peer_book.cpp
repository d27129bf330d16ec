#include "peer_book.hpp"

namespace ropekv::segment_owner {

peer_book::entry& peer_book::slot(node_id node) {
  auto it = peers_.find(node.value);
  if (it == peers_.end()) it = peers_.emplace(node.value, entry{{}, phase::idle, {}, backoff(min_, max_)}).first;
  return it->second;
}

bool peer_book::learn(node_id node, const std::string& address) {
  if (node.value == 0 || address.empty()) return false;
  entry& e = slot(node);
  if (e.address == address) return false;
  bool had = !e.address.empty();
  e.address = address;
  e.state = phase::idle;
  e.next_try = {};
  e.retry.reset();
  return had;
}

std::optional<std::string> peer_book::address_of(node_id node) const {
  auto it = peers_.find(node.value);
  if (it == peers_.end() || it->second.address.empty()) return std::nullopt;
  return it->second.address;
}

peer_book::phase peer_book::state(node_id node) const {
  auto it = peers_.find(node.value);
  return it == peers_.end() ? phase::idle : it->second.state;
}

std::vector<std::pair<node_id, std::string>> peer_book::start_due(const std::set<node_id>& wanted, time_point now) {
  std::vector<std::pair<node_id, std::string>> out;
  for (node_id n : wanted) {
    auto it = peers_.find(n.value);
    if (it == peers_.end()) continue;
    entry& e = it->second;
    if (e.address.empty() || e.state != phase::idle || now < e.next_try) continue;
    e.state = phase::connecting;
    out.emplace_back(n, e.address);
  }
  return out;
}

bool peer_book::connected(node_id node, const std::string& address) {
  entry& e = slot(node);
  if (e.address != address) return false;  // learn() reset it: a connect to the new address follows
  e.state = phase::connected;
  e.retry.reset();
  return true;
}

void peer_book::connect_failed(node_id node, const std::string& address, time_point now) {
  entry& e = slot(node);
  if (e.address != address) return;
  e.state = phase::idle;
  e.next_try = e.retry.failed(now);
}

void peer_book::lost(node_id node, time_point now) {
  entry& e = slot(node);
  if (e.state != phase::connected) return;
  e.state = phase::idle;
  e.next_try = e.retry.failed(now);
}

}  // namespace ropekv::segment_owner
