// Splits placement referees (DESIGN §3, §6): placement checks the request
// against the rope, names the halves, has the segment's leader split
// through the group's log (SplitRequest), and changes the rope once the
// split applied -- told by the leader's answer or, when that answer was
// lost, by the owners' reports of the halves.
#include <spdlog/spdlog.h>

#include "placement_state.hpp"
#include "rope_layout.hpp"
#include "ropekv/rope/rope_proto.hpp"

namespace ropekv::placement_service {
namespace {

/// A split whose outcome never showed stops blocking new ones after this.
constexpr std::chrono::seconds split_patience{30};

}  // namespace

result<std::pair<node_id, pb::SplitRequest>> placement_state::plan_split(const pb::SplitSegmentRequest& req,
                                                                          time_point now) {
  const rope::segment* s = rope_.find(segment_id{req.segment_id()});
  if (s == nullptr || is_gap(*s)) {
    return make_error(errc::not_found, "segment " + std::to_string(req.segment_id()) + " does not exist");
  }
  if (req.epoch() != 0 && req.epoch() != s->epoch) {
    return make_error(errc::condition_failed, "segment " + std::to_string(s->id.value) + " is at epoch " +
                                                  std::to_string(s->epoch) + ", not " + std::to_string(req.epoch()));
  }
  if (req.at_key() <= s->start || (!s->end.empty() && req.at_key() >= s->end)) {
    return make_error(errc::invalid_argument, "the split key is not strictly inside the segment");
  }
  if (moves_.count(s->id.value)) {
    return make_error(errc::unavailable, "a replica move of this segment is in flight; retry");
  }
  if (auto it = splits_.find(s->id.value); it != splits_.end()) {
    if (now - it->second.started < split_patience) {
      return make_error(errc::unavailable, "a split of this segment is in flight; retry");
    }
    spdlog::warn("event=split_abandoned segment={} left={} right={} why=no_outcome", s->id.value,
                 it->second.request.left_segment_id(), it->second.request.right_segment_id());
    splits_.erase(it);
  }
  auto left = next_segment_id();
  if (!left) return left.error();
  auto right = next_segment_id();
  if (!right) return right.error();
  split_in_flight f;
  auto* routing = f.request.mutable_routing();
  routing->set_segment_id(s->id.value);
  routing->set_epoch(s->epoch);
  routing->set_rope_version(rope_.version());
  f.request.set_at_key(req.at_key());
  f.request.set_left_segment_id(left->value);
  f.request.set_right_segment_id(right->value);
  f.request.set_new_epoch(s->epoch + 1);  // what rope::split gives the halves
  f.parent_epoch = s->epoch;
  f.started = now;
  node_id leader = s->leader_hint.value != 0 ? s->leader_hint : s->replicas.front();
  splits_[s->id.value] = f;
  spdlog::info("event=split_ordered segment={} epoch={} left={} right={} leader={}", s->id.value, s->epoch,
               left->value, right->value, leader.value);
  return std::make_pair(leader, f.request);
}

status placement_state::apply_split(uint64_t parent) {
  auto it = splits_.find(parent);
  if (it == splits_.end()) return {};
  const pb::SplitRequest& r = it->second.request;
  auto next = rope_.split(segment_id{parent}, r.at_key(), segment_id{r.left_segment_id()},
                          segment_id{r.right_segment_id()});
  if (!next) {
    splits_.erase(it);
    return next.error();
  }
  if (auto st = commit(rope::diff(rope_, *next), "split"); !st) return st;
  spdlog::info("event=split_done segment={} left={} right={}", parent, r.left_segment_id(), r.right_segment_id());
  split_parents_[parent] = it->second.started;
  std::erase_if(split_parents_, [&](const auto& kv) { return it->second.started - kv.second > 10 * split_patience; });
  splits_.erase(it);
  return {};
}

bool placement_state::adopt_split_half(uint64_t reported) {
  for (auto& [parent, f] : splits_) {
    if (f.request.left_segment_id() != reported && f.request.right_segment_id() != reported) continue;
    if (auto st = apply_split(parent); !st) {
      spdlog::error("event=split_adopt_failed segment={} error=\"{}\"", parent, st.error().message);
      return false;
    }
    return true;
  }
  return false;
}

pb::SplitSegmentReply placement_state::split_answered(const pb::SplitRequest& request, const pb::AdminReply& reply) {
  pb::SplitSegmentReply out;
  uint64_t parent = request.routing().segment_id();
  auto code = static_cast<errc>(reply.status().error_code());
  if (reply.status().error_code() == 0) {
    if (auto st = apply_split(parent); !st) {
      out.mutable_status()->set_error_code(static_cast<uint32_t>(st.error().code));
      out.mutable_status()->set_message(st.error().message);
      return out;
    }
  } else {
    if (code == errc::not_leader || code == errc::wrong_segment || code == errc::invalid_argument) {
      splits_.erase(parent);  // nothing was proposed, or the segment changed under it
    }
    *out.mutable_status() = reply.status();
    return out;
  }
  if (const auto* l = rope_.find(segment_id{request.left_segment_id()})) *out.mutable_left() = rope::to_proto(*l);
  if (const auto* r = rope_.find(segment_id{request.right_segment_id()})) *out.mutable_right() = rope::to_proto(*r);
  return out;
}

}  // namespace ropekv::placement_service
