#include "txn_resolver.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "request_actor.hpp"
#include "responses.hpp"
#include "segment_call.hpp"

namespace ropekv::router {
namespace {

// One transaction step written through the log of the segment holding
// `key` (re-planned there if the rope moved it).
void write_step(request_runtime& rt, std::string key, pb::Mutation m,
                std::function<void(net::http_result<pb::WriteReply>)> done) {
  call_segment<pb::WriteRequest, pb::WriteReply>(
      rt, {.op = op_class::idempotent_write,
           .eventual = false,
           .plan = [key](const routing_snapshot& s) { return target_for_key(s, key); },
           .target = {},
           .build =
               [m = std::move(m)](const segment_target& t) {
                 pb::WriteRequest req;
                 *req.mutable_routing() = t.routing();
                 *req.mutable_mutation() = m;
                 return req;
               },
           .done = std::move(done),
           .resolve_locks = false});
}

}  // namespace

void decide_txn(request_runtime& rt, pb::TxnDecide decide,
                std::function<void(net::http_result<pb::MutationResult>)> done) {
  std::string key = decide.primary_key();
  pb::Mutation m;
  *m.mutable_txn_decide() = std::move(decide);
  write_step(rt, std::move(key), std::move(m),
             [done = std::move(done)](net::http_result<pb::WriteReply> r) {
               if (!r) return done(std::move(r).error());
               if (r->status().error_code() != 0) return done(error_of(r->status()));
               done(std::move(*r->mutable_result()));
             });
}

void apply_outcome(request_runtime& rt, std::string txn_id, const std::string& key, bool commit,
                   uint64_t commit_version, std::function<void(bool ok)> done) {
  pb::Mutation m;
  auto* r = m.mutable_txn_resolve();
  r->set_txn_id(std::move(txn_id));
  r->set_commit(commit);
  r->set_commit_version(commit_version);
  write_step(rt, key, std::move(m), [done = std::move(done)](net::http_result<pb::WriteReply> r) {
    done(r && r->status().error_code() == 0);
  });
}

void resolve_lock(request_runtime& rt, const pb::LockInfo& lock, std::function<void(bool ok)> done) {
  pb::TxnDecide d;
  d.set_txn_id(lock.txn_id());
  d.set_primary_key(lock.primary_key());
  d.set_commit(false);
  std::string key = lock.key();
  decide_txn(rt, std::move(d),
             [&rt, key, txn = lock.txn_id(), done = std::move(done)](net::http_result<pb::MutationResult> r) {
               if (!r) return done(false);
               bool commit = r->txn_state() == pb::TXN_COMMITTED;
               spdlog::info("event=txn_lock_resolved txn={} outcome={} version={}", hex(txn),
                            commit ? "committed" : "aborted", r->commit_version());
               apply_outcome(rt, txn, key, commit, r->commit_version(), done);
             });
}

namespace {

// Most segments one sweep asks: a table may have a thousand; the sweep then
// goes round them in slices, one slice per interval.
constexpr size_t max_segments_per_sweep = 64;

// One sweep: the leaders of segments [first, first + count) (modulo the
// rope) list their old locks; each is resolved.
void sweep_once(request_runtime& rt, size_t first) {
  auto snap = rt.snapshot();
  auto all = snap->rope.segments();
  if (all.empty()) return rt.reply_json(200, "{}");
  std::vector<rope::segment> slice;
  for (size_t i = 0; i < std::min(all.size(), max_segments_per_sweep); ++i)
    slice.push_back(all[(first + i) % all.size()]);
  auto pending = std::make_shared<size_t>(1);
  auto finish_one = [&rt, pending] {
    if (--*pending == 0) rt.reply_json(200, "{}");
  };
  uint64_t min_age = static_cast<uint64_t>(rt.options().txn_lock_ttl.count());
  for (const auto& seg : slice) {
    ++*pending;
    call_segment<pb::LocksRequest, pb::LocksReply>(
        rt, {.op = op_class::read,
             .eventual = false,
             .plan = {},
             .target = to_target(seg, snap->version()),
             .build =
                 [min_age](const segment_target& t) {
                   pb::LocksRequest req;
                   *req.mutable_routing() = t.routing();
                   req.set_min_age_ms(min_age);
                   req.set_limit(100);
                   return req;
                 },
             .done =
                 [&rt, pending, finish_one](net::http_result<pb::LocksReply> r) {
                   if (r && r->status().error_code() == 0) {
                     for (const auto& lock : r->locks()) {
                       ++*pending;
                       resolve_lock(rt, lock, [finish_one](bool) { finish_one(); });
                     }
                   }
                   finish_one();
                 },
             .resolve_locks = false});
  }
  finish_one();
}

struct sweep_state {
  std::shared_ptr<router_shared> shared;
  owner_directory_actor directory;
  placement_link_actor link;
  size_t next = 0;  // first segment of the next slice
  static inline const char* name = "ropekv.router.lock_sweep";
};

caf::behavior lock_sweep(caf::stateful_actor<sweep_state>* self, std::shared_ptr<router_shared> shared,
                         owner_directory_actor directory, placement_link_actor link) {
  self->state.shared = std::move(shared);
  self->state.directory = std::move(directory);
  self->state.link = std::move(link);
  self->delayed_send(self, self->state.shared->options.lock_sweep_interval, tick_atom_v, uint64_t{0});
  return {
      [self](tick_atom, uint64_t) {
        auto& st = self->state;
        if (st.shared->routes.load()->ready()) {
          size_t first = st.next;
          st.next += max_segments_per_sweep;
          spawn_background_job(self->system(), st.shared, st.directory, st.link,
                               [first](request_runtime& rt) { sweep_once(rt, first); });
        }
        self->delayed_send(self, st.shared->options.lock_sweep_interval, tick_atom_v, uint64_t{0});
      },
  };
}

}  // namespace

caf::actor start_lock_sweep(caf::actor_system& sys, std::shared_ptr<router_shared> shared,
                            owner_directory_actor directory, placement_link_actor link) {
  return sys.spawn(lock_sweep, std::move(shared), std::move(directory), std::move(link));
}

}  // namespace ropekv::router
