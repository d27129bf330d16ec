// Owner-driven splits (DESIGN §6, docs/agency.md "Owner-driven splits"):
// the leader of a segment that grew past the split size or got too hot
// picks a split key and proposes the split to placement, which referees it
// (epoch and key checks, names the halves) and has this leader split
// through the segment's log (services/placement/placement_state_splits.cpp).
//
//   too_hot:   the key is the load-weighted median of the keys sampled as
//              requests were forwarded (load_meter), between range keys
//              when one hash key dominates (split_key.hpp);
//   too_large: the size median, from a snapshot scan of the local replica
//              (paged; one scan per proposal, so O(segment) once per
//              split-size of growth).
// One proposal per segment in flight; a refusal or failure backs off
// (split_gate). Every step is a structured log line: split_proposed,
// split_accepted, split_refused, split_skipped.
#include <spdlog/spdlog.h>

#include <memory>

#include "owner_actor_state.hpp"
#include "ropekv/common/errc.hpp"
#include "ropekv/keys/key_codec.hpp"
#include "split_key.hpp"

namespace ropekv::segment_owner {
namespace {

using placement::split_reason;

/// Placement waits up to 3 x 10 s for the leader's answer (order_split).
constexpr std::chrono::seconds proposal_timeout{35};
/// Items per scan page of a size-median scan.
constexpr uint32_t scan_page_items = 1000;

/// What a proposal was based on, for its log lines.
struct proposal {
  segment_id group;
  uint64_t segment = 0;
  uint64_t epoch = 0;
  split_reason reason = split_reason::none;
  uint64_t bytes = 0;
  uint64_t items = 0;
  double ops = 0;
};

/// The epoch placement's rope has for the segment: the replica's own, or
/// the one placement assigned since (a finished move bumps the rope's
/// epoch, not the replica's). A wrong guess is refused (condition_failed)
/// and retried after the back-off, with a fresher view.
uint64_t rope_epoch(const hosted_replica& r) {
  uint64_t e = owner_state::reported_epoch(r);
  if (r.assignment && r.assignment->segment().id() == r.segment.value) e = std::max(e, r.assigned_epoch);
  return e;
}

bool inside(const hosted_replica& r, const std::string& key) {
  return key > r.start_key && (r.end_key.empty() || key < r.end_key);
}

void give_up(owner_pointer self, const proposal& p, const std::string& why) {
  auto* r = self->state.core.by_group(p.group);
  if (r == nullptr) return;
  auto wait = r->split.refused(clock::now(), self->state.opts.split);
  spdlog::info("event=split_skipped segment={} reason={} bytes={} items={} ops={:.1f} why=\"{}\" retry_in_ms={}",
               p.segment, placement::to_string(p.reason), p.bytes, p.items, p.ops, why, wait.count());
}

void propose(owner_pointer self, const proposal& p, const std::string& at_key) {
  auto& st = self->state;
  if (!st.placement) return give_up(self, p, "placement is not connected");
  pb::SplitSegmentRequest req;
  req.set_segment_id(p.segment);
  req.set_epoch(p.epoch);
  req.set_at_key(at_key);
  spdlog::info("event=split_proposed segment={} epoch={} reason={} bytes={} items={} ops={:.1f} at_key={}", p.segment,
               p.epoch, placement::to_string(p.reason), p.bytes, p.items, p.ops, to_hex(at_key));
  auto started = clock::now();
  self->request(st.placement, proposal_timeout, std::move(req))
      .then(
          [self, p, started](pb::SplitSegmentReply& reply) {
            auto& st = self->state;
            auto* r = st.core.by_group(p.group);
            if (r == nullptr) return;
            auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - started).count();
            if (reply.status().error_code() != 0) {
              auto wait = r->split.refused(clock::now(), st.opts.split);
              spdlog::warn("event=split_refused segment={} reason={} code={} error=\"{}\" ms={} retry_in_ms={}",
                           p.segment, placement::to_string(p.reason),
                           to_string(static_cast<errc>(reply.status().error_code())), reply.status().message(), ms,
                           wait.count());
              return;
            }
            r->split.accepted(clock::now(), st.opts.split);
            r->load.reset();
            r->measured = false;  // the next probe measures the left half
            spdlog::info("event=split_accepted segment={} reason={} left={} right={} epoch={} ms={}", p.segment,
                         placement::to_string(p.reason), reply.left().id(), reply.right().id(), reply.left().epoch(),
                         ms);
          },
          [self, p](caf::error& err) { give_up(self, p, "no answer from placement: " + caf::to_string(err)); });
}

/// A size-median scan in progress: the items seen so far, weighted by size.
struct median_scan {
  proposal p;
  std::vector<weighted_key> keys;
  uint64_t position = 0;  // the snapshot's change-feed position (after page 1)
};

void scan_page(owner_pointer self, std::shared_ptr<median_scan> scan, std::string cursor) {
  auto& st = self->state;
  auto it = st.actors.find(scan->p.group.value);
  if (it == st.actors.end()) return give_up(self, scan->p, "replica not running");
  // A snapshot scan: it reads committed history at one position, so a
  // pending transaction's locks do not stop it and pages agree.
  pb::ScanRequest req;
  req.mutable_routing()->set_segment_id(scan->p.segment);
  req.set_limit(scan_page_items);
  req.set_cursor(cursor);
  req.set_consistency(pb::EVENTUAL);
  req.set_snapshot(true);
  req.set_at_position(scan->position);
  self->request(it->second, st.opts.call_timeout, std::move(req))
      .then(
          [self, scan](pb::ItemsReply& reply) {
            if (reply.status().error_code() != 0) return give_up(self, scan->p, "scan: " + reply.status().message());
            scan->position = reply.position();
            for (const auto& item : reply.items()) {
              double size = static_cast<double>(item.hash_key().size() + item.range_key().size() +
                                                item.value().size() + item.rk2().size());
              scan->keys.push_back(
                  {keys::encode(keys::make_key(item.table_id(), item.hash_key(), item.range_key())), size});
            }
            if (!reply.next_cursor().empty()) return scan_page(self, scan, reply.next_cursor());
            auto* r = self->state.core.by_group(scan->p.group);
            if (r == nullptr) return;
            auto at = choose_split_key(scan->keys, self->state.opts.split.dominant_share);
            if (!at || !inside(*r, *at)) return give_up(self, scan->p, "no key divides the segment's bytes");
            propose(self, scan->p, *at);
          },
          [self, scan](caf::error& err) { give_up(self, scan->p, "scan: " + caf::to_string(err)); });
}

void consider(owner_pointer self, hosted_replica& r, time_point now) {
  auto& st = self->state;
  const auto& cfg = st.opts.split;
  if (r.phase != replica_phase::running || !r.probed || r.leader != st.core.self() || !r.measured) return;
  if (!st.placement || !r.split.may_propose(now)) return;
  proposal p{r.group, r.segment.value, rope_epoch(r), split_reason::none, r.logical_bytes, r.items,
             r.load.ops_per_s()};
  p.reason = split_due(cfg, r.items, r.logical_bytes, p.ops);
  if (p.reason == split_reason::none) return;
  r.split.started();
  if (p.reason == split_reason::too_large) return scan_page(self, std::make_shared<median_scan>(median_scan{p, {}, 0}), {});
  std::vector<weighted_key> sampled;
  for (const auto& k : r.load.samples()) {
    if (k >= r.start_key && (r.end_key.empty() || k < r.end_key)) sampled.push_back({k, 1});
  }
  if (sampled.size() < cfg.min_samples) return give_up(self, p, "too few sampled keys");
  auto at = choose_split_key(sampled, cfg.dominant_share);
  if (!at || !inside(r, *at)) return give_up(self, p, "the load falls on one key");
  propose(self, p, *at);
}

}  // namespace

void check_splits(owner_pointer self, time_point now) {
  auto& st = self->state;
  if (now < st.next_split_check) return;
  st.next_split_check = now + st.opts.split.check_interval;
  std::vector<uint64_t> groups;
  for (const auto& [group, r] : st.core.replicas()) groups.push_back(group);
  for (uint64_t g : groups) {
    auto* r = st.core.by_group(segment_id{g});
    if (r == nullptr) continue;
    r->load.decay(now, st.opts.split.check_interval);
    consider(self, *r, now);
  }
}

}  // namespace ropekv::segment_owner
