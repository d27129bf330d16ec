#include "kv_client.hpp"

#include <caf/io/all.hpp>

#include <thread>

#include "host_port.hpp"
#include "ropekv/common/errc.hpp"
#include "ropekv/keys/key_codec.hpp"
#include "ropekv/keys/partition.hpp"

namespace ropekv::segment_owner::testing {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

errc code_of(const pb::Status& s) { return static_cast<errc>(s.error_code()); }

bool retryable(const pb::Status& s) {
  auto c = code_of(s);
  return c == errc::not_leader || c == errc::unavailable || c == errc::timeout;
}

pb::Routing routing_of(const pb::SegmentDescriptor& seg) {
  pb::Routing r;
  r.set_segment_id(seg.id());
  r.set_epoch(seg.epoch());
  return r;
}

}  // namespace

kv_client::kv_client(caf::actor_system& sys, uint32_t table_id, cluster_fn cluster)
    : sys_(sys), self_(sys), table_id_(table_id), cluster_(std::move(cluster)) {
  refresh();
}

bool kv_client::refresh() {
  last_refresh_ = steady::now();
  auto c = cluster_();
  if (!c) return false;
  segments_.assign(c->segments().begin(), c->segments().end());
  for (const auto& n : c->nodes()) {
    auto it = addresses_.find(n.id());
    if (it != addresses_.end() && it->second != n.address()) handles_.erase(n.id());  // restarted elsewhere
    addresses_[n.id()] = n.address();
  }
  return true;
}

const pb::SegmentDescriptor* kv_client::segment_of(const std::string& hash_key) const {
  std::string key = keys::encode(keys::item_key{table_id_, keys::partition_of(hash_key), hash_key, ""});
  for (const auto& s : segments_) {
    if (key >= s.start_key() && (s.end_key().empty() || key < s.end_key())) return &s;
  }
  return nullptr;
}

net::segment_actor kv_client::owner(uint64_t node) {
  if (auto it = handles_.find(node); it != handles_.end()) return it->second;
  auto addr = addresses_.find(node);
  if (addr == addresses_.end()) return {};
  auto hp = parse_host_port(addr->second);
  if (!hp) return {};
  auto h = sys_.middleman().remote_actor<net::segment_actor>(hp->host, hp->port);
  if (!h) return {};
  handles_[node] = *h;
  return *h;
}

uint64_t kv_client::next_replica(const pb::SegmentDescriptor& seg, uint64_t after) const {
  const auto& r = seg.replicas();
  for (int i = 0; i < r.size(); ++i) {
    if (r[i] == after) return r[(i + 1) % r.size()];
  }
  return r.empty() ? 0 : r[0];
}

template <class Reply, class Request>
std::optional<Reply> kv_client::ask(uint64_t node, const Request& req, std::chrono::milliseconds timeout) {
  auto h = owner(node);
  if (!h) return std::nullopt;
  std::optional<Reply> out;
  self_->request(h, timeout, req)
      .receive([&](Reply& r) { out = std::move(r); },
               [&](caf::error& e) {
                 // A timeout says nothing about the handle; anything else means it is gone.
                 if (e != caf::sec::request_timeout) handles_.erase(node);
               });
  return out;
}

kv_client::outcome kv_client::put(const std::string& hash_key, const std::string& value,
                                  std::chrono::milliseconds deadline) {
  outcome out;
  auto until = steady::now() + deadline;
  const pb::SegmentDescriptor* found = segment_of(hash_key);
  if (found == nullptr && refresh()) found = segment_of(hash_key);
  if (found == nullptr || found->replicas().empty()) return out;
  pb::SegmentDescriptor seg = *found;
  out.segment = seg.id();
  uint64_t target = leaders_.count(seg.id()) ? leaders_[seg.id()] : seg.leader_hint() ? seg.leader_hint() : seg.replicas(0);
  pb::WriteRequest req;
  *req.mutable_routing() = routing_of(seg);
  auto* item = req.mutable_mutation()->mutable_put()->mutable_item();
  item->set_table_id(table_id_);
  item->set_hash_key(hash_key);
  item->set_value(value);
  while (steady::now() < until) {
    ++out.attempts;
    auto reply = ask<pb::WriteReply>(target, req, 2s);
    if (reply) {
      out.status = reply->status();
      if (reply->status().error_code() == 0) {
        out.ok = true;
        out.node = target;
        leaders_[seg.id()] = target;
        return out;
      }
      uint64_t hint = reply->status().leader_hint();
      if (code_of(reply->status()) == errc::not_leader && hint != 0 && hint != target) {
        target = hint;
        continue;
      }
      if (code_of(reply->status()) == errc::wrong_segment) {
        refresh();
        if (const auto* again = segment_of(hash_key)) seg = *again;
        *req.mutable_routing() = routing_of(seg);
      } else if (!retryable(reply->status())) {
        return out;
      }
    } else {
      out.status.set_error_code(static_cast<uint32_t>(errc::unavailable));
      out.status.set_message("node " + std::to_string(target) + " unreachable");
      if (steady::now() - last_refresh_ > 500ms) refresh();
    }
    target = next_replica(seg, target);
    std::this_thread::sleep_for(20ms);
  }
  return out;
}

std::optional<pb::GetReply> kv_client::get(const std::string& hash_key, pb::Consistency consistency,
                                           std::chrono::milliseconds deadline, uint64_t at_node) {
  auto until = steady::now() + deadline;
  const pb::SegmentDescriptor* found = segment_of(hash_key);
  if (found == nullptr || found->replicas().empty()) return std::nullopt;
  pb::SegmentDescriptor seg = *found;
  uint64_t target = at_node != 0 ? at_node : leaders_.count(seg.id()) ? leaders_[seg.id()] : seg.replicas(0);
  pb::GetRequest req;
  *req.mutable_routing() = routing_of(seg);
  req.set_table_id(table_id_);
  req.set_hash_key(hash_key);
  req.set_consistency(consistency);
  std::optional<pb::GetReply> last;
  while (steady::now() < until) {
    auto reply = ask<pb::GetReply>(target, req, 2s);
    if (reply) {
      last = reply;
      auto code = code_of(reply->status());
      if (reply->status().error_code() == 0 || code == errc::not_found) return reply;
      if (!retryable(reply->status())) return reply;
      uint64_t hint = reply->status().leader_hint();
      if (at_node == 0 && code == errc::not_leader && hint != 0 && hint != target) {
        target = hint;
        continue;
      }
    } else if (steady::now() - last_refresh_ > 500ms) {
      refresh();
    }
    if (at_node == 0) target = next_replica(seg, target);
    std::this_thread::sleep_for(20ms);
  }
  return last;
}

std::optional<uint64_t> kv_client::last_position(uint64_t segment, uint64_t node) {
  pb::ChangesRequest req;
  req.mutable_routing()->set_segment_id(segment);
  req.set_after_position(0);
  req.set_limit(1);
  req.set_consistency(pb::EVENTUAL);
  // The owner's published actor forwards the feed requests too, but its
  // net::segment_actor view does not list them: ask through the full one.
  auto h = owner(node);
  if (!h) return std::nullopt;
  auto full = caf::actor_cast<net::owner_actor>(h);
  std::optional<uint64_t> out;
  self_->request(full, 2s, req)
      .receive(
          [&](pb::ChangesReply& r) {
            if (r.status().error_code() == 0) out = r.last_position();
          },
          [&](caf::error& e) {
            if (e != caf::sec::request_timeout) handles_.erase(node);
          });
  return out;
}

}  // namespace ropekv::segment_owner::testing
