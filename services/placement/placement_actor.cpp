#include "placement_actor.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "wire_status.hpp"

namespace ropekv::placement_service {

placement_server::placement_server(caf::actor_config& cfg, std::unique_ptr<placement_state> core)
    : net::placement_actor::base(cfg), core_(std::move(core)) {
  set_down_handler([this](caf::down_msg& msg) { forget(msg.source); });
}

placement_server::placement_server(caf::actor_config& cfg, state_opener opener)
    : net::placement_actor::base(cfg), opener_(std::move(opener)) {
  set_down_handler([this](caf::down_msg& msg) { forget(msg.source); });
}

time_point placement_server::now() const { return home_system().clock().now(); }

namespace {

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

void placement_server::subscribe(const net::rope_subscriber& sub) {
  if (sub && std::find(subscribers_.begin(), subscribers_.end(), sub) == subscribers_.end()) {
    subscribers_.push_back(sub);
    monitor(sub);
  }
}

// Owners without a handle (not yet re-registered since placement started)
// miss their messages; the resync on registration covers them.
void placement_server::deliver() {
  if (core_->catalog().replicated()) {
    // The batch commits through the group's log before anything it caused
    // is sent or acknowledged. On failure the handler's reply must not go
    // out: the exception makes CAF answer the request with an error and
    // end this actor (the front rebuilds a server from the catalog).
    if (auto st = core_->catalog().commit_batch(); !st) {
      spdlog::warn("event=catalog_commit_failed error=\"{}\"", st.error().message);
      throw std::runtime_error("catalog change not committed: " + st.error().message);
    }
  }
  effects fx = core_->take_effects();
  auto owner = [&](node_id id) -> const net::owner_control* {
    auto it = owners_.find(id.value);
    return it == owners_.end() ? nullptr : &it->second;
  };
  for (auto& [to, a] : fx.assignments) {
    if (const auto* h = owner(to)) send(*h, std::move(a));
    else spdlog::debug("event=assignment_undelivered node={} segment={}", to.value, a.segment().id());
  }
  for (auto& [to, d] : fx.drops) {
    if (const auto* h = owner(to)) send(*h, std::move(d));
  }
  // Leader spread: the owner forwards the request to its replica, which
  // asks Raft to hand leadership over. The outcome shows in heartbeats
  // (is_leader); an answer is only logged.
  for (auto& [to, req] : fx.leader_transfers) {
    const auto* h = owner(to);
    if (!h) continue;
    uint64_t seg = req.routing().segment_id(), target = req.node_id();
    request(caf::actor_cast<net::owner_actor>(*h), std::chrono::seconds(10), std::move(req))
        .then(
            [seg, target](pb::AdminReply& reply) {
              if (reply.status().error_code() != 0)
                spdlog::info("event=leader_transfer_refused segment={} to={} error=\"{}\"", seg, target,
                             reply.status().message());
            },
            [seg, target](caf::error& err) {
              spdlog::info("event=leader_transfer_unanswered segment={} to={} error=\"{}\"", seg, target,
                           caf::to_string(err));
            });
  }
  // A notifier that timed out keeps its subscription: the updates show it
  // its hooks went elsewhere until it registers again.
  for (uint64_t id : fx.notifiers_gone) notifiers_.erase(id);
  for (uint64_t id : fx.indexers_gone) indexers_.erase(id);  // likewise
  if (fx.update) {
    for (const auto& sub : subscribers_) send(sub, *fx.update);
  }
}

void placement_server::order_split(pb::SplitRequest req, node_id to, int tries,
                                   caf::typed_response_promise<pb::SplitSegmentReply> rp) {
  auto unknown = [this, req, rp](const std::string& why) mutable {
    // No answer: the split may still apply; the halves' reports will say.
    pb::AdminReply lost;
    lost.mutable_status()->set_error_code(static_cast<uint32_t>(errc::unavailable));
    lost.mutable_status()->set_message("no answer from the segment's leader (" + why +
                                       "); the rope follows if the split applied");
    rp.deliver(core_->split_answered(req, lost));
    deliver();
  };
  auto it = owners_.find(to.value);
  if (it == owners_.end()) return unknown("node " + std::to_string(to.value) + " is not connected");
  auto owner = caf::actor_cast<net::owner_actor>(it->second);
  request(owner, std::chrono::seconds(10), req)
      .then(
          [this, req, tries, rp, unknown](pb::AdminReply& reply) mutable {
            auto code = static_cast<errc>(reply.status().error_code());
            if (code == errc::not_leader && tries > 1 && reply.status().leader_hint() != 0) {
              return order_split(req, node_id{reply.status().leader_hint()}, tries - 1, rp);
            }
            rp.deliver(core_->split_answered(req, reply));
            deliver();
          },
          [unknown](caf::error& err) mutable { unknown(caf::to_string(err)); });
}

void placement_server::schedule_tick() {
  delayed_send(this, core_->options().tick_interval, tick_atom_v);
}

void placement_server::forget(const caf::actor_addr& gone) {
  for (auto it = owners_.begin(); it != owners_.end();)
    it = it->second.address() == gone ? owners_.erase(it) : std::next(it);
  auto dead = std::remove_if(subscribers_.begin(), subscribers_.end(),
                             [&](const net::rope_subscriber& s) { return s.address() == gone; });
  if (dead != subscribers_.end())
    spdlog::info("event=subscriber_down remaining={}", dead - subscribers_.begin());
  subscribers_.erase(dead, subscribers_.end());
  auto take_gone = [&](std::map<uint64_t, net::rope_subscriber>& handles) {
    std::vector<uint64_t> ids;
    for (const auto& [id, h] : handles) {
      if (h.address() == gone) ids.push_back(id);
    }
    for (uint64_t id : ids) handles.erase(id);
    return ids;
  };
  auto gone_notifiers = take_gone(notifiers_);
  for (uint64_t id : gone_notifiers) core_->notifier_down(id, now());
  auto gone_indexers = take_gone(indexers_);
  for (uint64_t id : gone_indexers) core_->indexer_down(id, now());
  if (!gone_notifiers.empty() || !gone_indexers.empty()) deliver();
}

void placement_server::on_exit() {
  core_.reset();  // closes the catalog
  owners_.clear();
  subscribers_.clear();
  notifiers_.clear();
  indexers_.clear();
}

net::placement_actor::behavior_type placement_server::make_behavior() {
  if (!core_ && opener_) {
    auto core = opener_();
    if (!core) {
      spdlog::error("event=placement_state_open_failed error=\"{}\"", core.error().message);
      throw std::runtime_error("placement state: " + core.error().message);
    }
    core_ = std::move(*core);
    deliver();  // open() may have written (first start, reconciliation)
  }
  schedule_tick();
  return {
      [this](pb::RegisterNode& req, net::owner_control control) -> pb::RegisterReply {
        auto reply = core_->register_node(req, now());
        if (is_ok(reply.status()) && control) {
          auto& slot = owners_[reply.node_id()];
          if (slot != control) {
            slot = control;
            monitor(control);
          }
        }
        deliver();
        return reply;
      },
      [this](pb::Heartbeat& hb) -> pb::Status {
        if (opener_ && !owners_.count(hb.node_id())) {
          // A new leader has no control handle for this owner yet.
          pb::Status again;
          again.set_error_code(static_cast<uint32_t>(errc::not_found));
          again.set_message("placement leader changed: register again");
          return again;
        }
        auto status = core_->heartbeat(hb, now());
        deliver();
        return status;
      },
      [this](pb::CreateTableRequest& req) -> pb::TableReply {
        auto reply = core_->create_table(req);
        deliver();
        return reply;
      },
      [this](tables_atom) -> pb::TablesReply { return core_->list_tables(); },
      [this](tables_atom, const std::string& name) -> pb::TableReply {
        return core_->get_table(name);
      },
      [this](drop_atom, const std::string& name) -> pb::TableReply {
        auto reply = core_->drop_table(name);
        deliver();
        return reply;
      },
      [this](subscribe_atom, net::rope_subscriber sub) -> pb::RopeUpdate {
        deliver();  // so the snapshot and the next delta meet at one version
        subscribe(sub);
        return core_->full_update();
      },
      [this](pb::RegisterNotifier& req, net::rope_subscriber sub) -> caf::result<pb::RegisterNotifierReply> {
        auto reply = core_->register_notifier(req, now());
        // Everyone else learns of the notifier (and of hooks it now holds)
        // first, so the snapshot below and the next delta meet at one version.
        deliver();
        if (!is_ok(reply.status()) || !sub) return reply;
        subscribe(sub);
        notifiers_[reply.notifier_id()] = sub;
        auto rp = make_response_promise<pb::RegisterNotifierReply>();
        rp.deliver(std::move(reply));
        send(sub, core_->full_update());
        return rp;
      },
      [this](pb::NotifierHeartbeat& hb) -> pb::Status {
        auto status = core_->notifier_heartbeat(hb, now());
        deliver();
        return status;
      },
      [this](pb::PutHookRequest& req) -> pb::HookReply {
        auto reply = core_->put_hook(req, wall_ms(), now());
        deliver();
        return reply;
      },
      [this](hooks_atom) -> pb::HooksReply { return core_->list_hooks(); },
      [this](hooks_atom, const std::string& name) -> pb::HookReply { return core_->get_hook(name); },
      [this](hooks_atom, drop_atom, const std::string& name) -> pb::HookReply {
        auto reply = core_->drop_hook(name);
        deliver();
        return reply;
      },
      [this](pb::RegisterIndexer& req, net::rope_subscriber sub) -> caf::result<pb::RegisterIndexerReply> {
        auto reply = core_->register_indexer(req, now());
        // As for notifiers: others hear of the indexer first, then it gets
        // its reply and the full snapshot (with its assignment).
        deliver();
        if (!is_ok(reply.status()) || !sub) return reply;
        subscribe(sub);
        indexers_[reply.indexer_id()] = sub;
        auto rp = make_response_promise<pb::RegisterIndexerReply>();
        rp.deliver(std::move(reply));
        send(sub, core_->full_update());
        return rp;
      },
      [this](pb::IndexerHeartbeat& hb) -> pb::Status {
        auto status = core_->indexer_heartbeat(hb, wall_ms(), now());
        deliver();
        return status;
      },
      [this](pb::PutIndexRequest& req) -> pb::IndexReply {
        auto reply = core_->put_index(req, wall_ms(), now());
        deliver();
        return reply;
      },
      [this](indexes_atom, const std::string& table) -> pb::IndexesReply {
        return core_->list_indexes(table);
      },
      [this](indexes_atom, const std::string& table, const std::string& name) -> pb::IndexReply {
        return core_->get_index(table, name);
      },
      [this](indexes_atom, drop_atom, const std::string& table, const std::string& name) -> pb::IndexReply {
        auto reply = core_->drop_index(table, name);
        deliver();
        return reply;
      },
      [this](cluster_atom) -> pb::ClusterReply { return core_->cluster(); },
      [this](pb::DrainNodeRequest& req) -> pb::DrainNodeReply {
        auto reply = core_->drain_node(req);
        deliver();
        return reply;
      },
      // Tokens: deliver() pushes the new set to every subscriber at once,
      // so a revoked token stops working as soon as that update lands.
      [this](pb::CreateTokenRequest& req) -> pb::TokenReply {
        auto reply = core_->create_token(req, wall_ms());
        deliver();
        return reply;
      },
      [this](pb::ListTokensRequest&) -> pb::TokensReply { return core_->list_tokens(); },
      [this](pb::RevokeTokenRequest& req) -> pb::TokenReply {
        auto reply = core_->revoke_token(req);
        deliver();
        return reply;
      },
      [this](pb::SplitSegmentRequest& req) -> caf::result<pb::SplitSegmentReply> {
        auto plan = core_->plan_split(req, now());
        if (!plan) {
          pb::SplitSegmentReply r;
          r.mutable_status()->set_error_code(static_cast<uint32_t>(plan.error().code));
          r.mutable_status()->set_message(plan.error().message);
          return r;
        }
        deliver();  // the halves' ids are committed before anyone hears of them
        auto rp = make_response_promise<pb::SplitSegmentReply>();
        order_split(std::move(plan->second), plan->first, 3, rp);
        return rp;
      },
      [this](tick_atom) {
        core_->tick(now());
        deliver();
        schedule_tick();
      },
  };
}

net::placement_actor spawn_placement(caf::actor_system& sys, std::unique_ptr<placement_state> core,
                                     bool detached) {
  if (detached) return sys.spawn<placement_server, caf::detached>(std::move(core));
  return sys.spawn<placement_server>(std::move(core));
}

net::placement_actor spawn_placement(caf::actor_system& sys, placement_server::state_opener opener) {
  return sys.spawn<placement_server, caf::detached>(std::move(opener));
}

}  // namespace ropekv::placement_service
