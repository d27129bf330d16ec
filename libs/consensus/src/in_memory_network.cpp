#include "ropekv/consensus/in_memory_network.hpp"

namespace ropekv::consensus {

class in_memory_network::endpoint_impl final : public transport {
 public:
  endpoint_impl(in_memory_network& net, node_id self) : net_(net), self_(self) {}
  void send(node_id to, std::string_view, std::string bytes) override {
    net_.send(self_, to, std::move(bytes));
  }

 private:
  in_memory_network& net_;
  node_id self_;
};

in_memory_network::in_memory_network(uint64_t seed) : rng_(seed) {}

std::unique_ptr<transport> in_memory_network::endpoint(node_id self) {
  std::lock_guard lock(mu_);
  known_.insert(self);
  return std::make_unique<endpoint_impl>(*this, self);
}

void in_memory_network::attach(node_id id, receiver r, std::function<void()> wake) {
  std::lock_guard lock(mu_);
  known_.insert(id);
  receivers_[id] = std::move(r);
  if (wake) {
    wakers_[id] = std::move(wake);
  } else {
    wakers_.erase(id);
  }
}

void in_memory_network::detach(node_id id) {
  std::lock_guard lock(mu_);
  receivers_.erase(id);
  wakers_.erase(id);
  auto it = inboxes_.find(id);
  if (it != inboxes_.end()) {
    stats_.dropped += it->second.size();
    inboxes_.erase(it);
  }
}

void in_memory_network::set_faults(const network_faults& faults) {
  std::lock_guard lock(mu_);
  faults_ = faults;
}

void in_memory_network::cut(node_id a, node_id b) {
  std::lock_guard lock(mu_);
  cut_.insert({a, b});
  cut_.insert({b, a});
}

void in_memory_network::heal(node_id a, node_id b) {
  std::lock_guard lock(mu_);
  cut_.erase({a, b});
  cut_.erase({b, a});
}

void in_memory_network::heal_all() {
  std::lock_guard lock(mu_);
  cut_.clear();
}

void in_memory_network::isolate(node_id id) {
  std::lock_guard lock(mu_);
  for (auto other : known_) {
    if (other == id) continue;
    cut_.insert({id, other});
    cut_.insert({other, id});
  }
}

void in_memory_network::crash(node_id id) {
  std::lock_guard lock(mu_);
  crashed_.insert(id);
}

void in_memory_network::revive(node_id id) {
  std::lock_guard lock(mu_);
  crashed_.erase(id);
}

void in_memory_network::set_time(uint64_t now_ms) {
  std::lock_guard lock(mu_);
  if (now_ms > now_ms_) now_ms_ = now_ms;
}

bool in_memory_network::link_up(node_id a, node_id b) const {
  return !crashed_.contains(a) && !crashed_.contains(b) && !cut_.contains({a, b});
}

void in_memory_network::send(node_id from, node_id to, std::string bytes) {
  std::function<void()> wake;
  {
    std::lock_guard lock(mu_);
    if (!enqueue(from, to, std::move(bytes))) return;
    auto it = wakers_.find(to);
    if (it != wakers_.end()) wake = it->second;
  }
  if (wake) wake();
}

bool in_memory_network::enqueue(node_id from, node_id to, std::string bytes) {
  ++stats_.sent;
  stats_.bytes += bytes.size();
  if (!link_up(from, to) || !receivers_.contains(to)) {
    ++stats_.dropped;
    return false;
  }
  // Draw both random numbers unconditionally so the RNG stream (and thus
  // every later fault) does not depend on which faults are configured.
  double draw = std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
  uint64_t raw = rng_();
  uint64_t span = faults_.max_delay_ms > faults_.min_delay_ms ? faults_.max_delay_ms - faults_.min_delay_ms : 0;
  uint64_t jitter = span == 0 ? 0 : raw % (span + 1);
  if (draw < faults_.drop_probability) {
    ++stats_.dropped;
    return false;
  }
  inboxes_[to].push(message{now_ms_ + faults_.min_delay_ms + jitter, seq_++, from, std::move(bytes)});
  return true;
}

size_t in_memory_network::deliver_to(node_id to, uint64_t now_ms) {
  size_t delivered = 0;
  for (;;) {
    message m;
    receiver r;
    {
      std::lock_guard lock(mu_);
      if (now_ms > now_ms_) now_ms_ = now_ms;
      auto it = inboxes_.find(to);
      if (it == inboxes_.end() || it->second.empty() || it->second.top().due_ms > now_ms) break;
      // priority_queue::top is const; the message is popped right after.
      m = std::move(const_cast<message&>(it->second.top()));
      it->second.pop();
      auto rit = receivers_.find(to);
      if (rit == receivers_.end() || !link_up(m.from, to)) {
        ++stats_.dropped;
        continue;
      }
      r = rit->second;
      ++stats_.delivered;
    }
    r(m.from, std::move(m.bytes));
    ++delivered;
  }
  return delivered;
}

size_t in_memory_network::deliver(uint64_t now_ms) {
  std::vector<node_id> targets;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, box] : inboxes_) {
      if (!box.empty()) targets.push_back(id);
    }
  }
  size_t n = 0;
  for (auto id : targets) n += deliver_to(id, now_ms);
  return n;
}

in_memory_network::counters in_memory_network::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

}  // namespace ropekv::consensus
