// The segment's chunk manifest for backups (docs/backup.md). A sealing
// request makes the leader chunk at once (thresholds ignored) until the
// manifest covers the last position it had when the request arrived, so a
// backup holds every write acknowledged before it was asked for.
#include "replica_state.hpp"
#include "replies.hpp"

namespace ropekv::segment {
namespace detail {

pb::ManifestReply manifest_reply(replica_state& s) {
  pb::ManifestReply r;
  auto meta = s.store->meta();
  r.set_segment_id(meta.segment_id);
  r.set_start_key(meta.start_key);
  r.set_end_key(meta.end_key);
  r.set_last_position(s.store->last_position());
  r.set_sealed_position(s.store->chunked_position());
  auto chunks = s.store->chunk_manifest();
  if (!chunks) {
    *r.mutable_status() = to_status(chunks.error());
    return r;
  }
  for (auto& c : *chunks) *r.add_chunks() = std::move(c);
  return r;
}

bool wake_manifest_waiters(replica_state& s) {
  if (s.manifest_waiters.empty()) return false;
  int64_t now = s.now_us();
  uint64_t chunked = s.store->chunked_position();
  auto not_leader = s.check_leader();
  bool did = false;
  std::vector<replica_state::manifest_waiter> keep;
  auto waiters = std::move(s.manifest_waiters);
  s.manifest_waiters.clear();
  for (auto& w : waiters) {
    if (chunked >= w.target) {
      w.cb(manifest_reply(s));
    } else if (not_leader) {
      pb::ManifestReply r;
      *r.mutable_status() = *not_leader;
      w.cb(std::move(r));
    } else if (now >= w.deadline_us) {
      pb::ManifestReply r;
      *r.mutable_status() = make_status(
          errc::unavailable, "chunks up to position " + std::to_string(w.target) +
                                 " not shipped in time (blob store unreachable or backlog full)");
      w.cb(std::move(r));
    } else {
      keep.push_back(std::move(w));
      continue;
    }
    did = true;
  }
  for (auto& w : keep) s.manifest_waiters.push_back(std::move(w));
  return did;
}

}  // namespace detail

void segment_replica::manifest(const pb::ManifestRequest& request, manifest_callback cb) {
  auto& s = *s_;
  auto meta = s.store->meta();
  auto fail = [&](pb::Status st) {
    pb::ManifestReply r;
    *r.mutable_status() = std::move(st);
    cb(std::move(r));
  };
  if (auto bad = detail::check_routing(request.routing(), meta)) return fail(*bad);
  if (!request.seal()) return cb(detail::manifest_reply(s));
  if (auto bad = s.check_leader()) return fail(*bad);
  if (!s.opts.chunks.shipper) {
    return fail(detail::make_status(errc::unavailable, "no blob store configured on this owner (--blob-store)"));
  }
  uint64_t target = s.store->last_position();
  if (s.store->chunked_position() >= target) return cb(detail::manifest_reply(s));
  uint32_t wait_ms = request.wait_ms() != 0 ? request.wait_ms() : 30'000;
  s.manifest_waiters.push_back({target, s.now_us() + int64_t{wait_ms} * 1000, std::move(cb)});
}

}  // namespace ropekv::segment
