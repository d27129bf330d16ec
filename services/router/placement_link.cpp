#include "placement_link.hpp"

#include <caf/all.hpp>
#include <caf/io/middleman.hpp>
#include <spdlog/spdlog.h>

#include <vector>

#include "owner_directory.hpp"
#include "ropekv/net/placement_addresses.hpp"
#include "ropekv/net/cluster_tls.hpp"

namespace ropekv::router {
namespace {

struct link_state {
  std::shared_ptr<router_shared> shared;
  placement_link_config config;
  net::placement_actor placement;  // invalid while disconnected
  bool connecting = false;
  bool subscribing = false;
  bool tick_scheduled = false;
  bool refresh_deferred = false;
  std::chrono::steady_clock::time_point last_refresh;
  std::vector<caf::typed_response_promise<uint64_t>> waiters;
  static inline const char* name = "ropekv.router.placement_link";
};

using link_ptr = placement_link_actor::stateful_pointer<link_state>;

uint64_t version(link_ptr self) { return self->state.shared->routes.load()->version(); }

void answer_waiters(link_ptr self) {
  auto waiters = std::move(self->state.waiters);
  self->state.waiters.clear();
  for (auto& w : waiters) w.deliver(version(self));
}

void apply_update(link_ptr self, const pb::RopeUpdate& update);

void subscribe(link_ptr self) {
  auto& st = self->state;
  if (st.subscribing || !st.placement) return;
  st.subscribing = true;
  auto me = caf::actor_cast<net::rope_subscriber>(self);
  self->request(st.placement, st.shared->options.admin_timeout, subscribe_atom_v, me)
      .then(
          [self](pb::RopeUpdate& update) {
            self->state.subscribing = false;
            self->state.last_refresh = std::chrono::steady_clock::now();
            apply_update(self, update);
            answer_waiters(self);
          },
          [self](caf::error& err) {
            self->state.subscribing = false;
            self->state.last_refresh = std::chrono::steady_clock::now();
            spdlog::warn("event=subscribe_failed error=\"{}\"", caf::to_string(err));
            answer_waiters(self);
          });
}

void apply_update(link_ptr self, const pb::RopeUpdate& update) {
  auto& st = self->state;
  // Every update carries every live token: the latest one is the truth,
  // whatever becomes of its rope delta (a revocation must not wait for a
  // resubscribe).
  if (auto skipped = st.shared->tokens.replace({update.tokens().begin(), update.tokens().end()}))
    spdlog::warn("event=tokens_skipped count={}", skipped);
  auto outcome = st.shared->routes.apply(update);
  if (!outcome) {
    spdlog::error("event=rope_update_rejected from={} to={} error=\"{}\"", update.delta().from_version(),
                  update.delta().to_version(), outcome.error().message);
    subscribe(self);  // start over from a full rope
    return;
  }
  if (*outcome == update_outcome::gap) {
    spdlog::info("event=rope_gap have={} from={}", version(self), update.delta().from_version());
    subscribe(self);
    return;
  }
  if (*outcome == update_outcome::applied) {
    st.shared->metrics.rope_version().set(static_cast<double>(version(self)));
    spdlog::debug("event=rope_applied version={} tables={}", version(self), update.tables_size());
  }
}

// A subscribe on behalf of refresh waiters, no sooner than
// min_refresh_interval after the previous one.
void refresh(link_ptr self) {
  auto& st = self->state;
  if (st.subscribing || st.refresh_deferred) return;
  auto next = st.last_refresh + st.shared->options.min_refresh_interval;
  auto now = std::chrono::steady_clock::now();
  if (now < next) {
    st.refresh_deferred = true;
    self->delayed_send(self, next - now, caf::flush_atom_v);
    return;
  }
  subscribe(self);
}

void schedule_reconnect(link_ptr self) {
  auto& st = self->state;
  if (st.tick_scheduled || st.config.address.empty()) return;
  st.tick_scheduled = true;
  self->delayed_send(self, st.shared->options.placement_retry, tick_atom_v);
}

void connect(link_ptr self) {
  auto& st = self->state;
  if (st.placement || st.connecting) return;
  std::string host;
  uint16_t port = 0;
  auto address = net::current_placement(st.config.address);
  if (!split_address(address, host, port)) {
    spdlog::error("event=bad_placement_address address={}", address);
    return;
  }
  st.connecting = true;
  auto mm = net::cluster_middleman(self->home_system());
  self->request(mm, st.shared->options.connect_timeout, caf::connect_atom_v, host, port)
      .then(
          [self](caf::node_id&, caf::strong_actor_ptr& handle, std::set<std::string>&) {
            auto& st = self->state;
            st.connecting = false;
            if (!handle) {
              schedule_reconnect(self);
              return;
            }
            st.placement = caf::actor_cast<net::placement_actor>(handle);
            self->monitor(st.placement);
            spdlog::info("event=placement_connected address={}", net::current_placement(st.config.address));
            subscribe(self);
          },
          [self](caf::error& err) {
            self->state.connecting = false;
            spdlog::warn("event=placement_connect_failed address={} error=\"{}\"",
                         net::current_placement(self->state.config.address), caf::to_string(err));
            net::rotate_placement(self->state.config.address);  // try the next instance
            schedule_reconnect(self);
          });
}

pb::Status unavailable_status() {
  pb::Status s;
  s.set_error_code(static_cast<uint32_t>(errc::unavailable));
  s.set_message("placement is unreachable");
  return s;
}

template <class Reply>
Reply unavailable_reply() {
  Reply r;
  *r.mutable_status() = unavailable_status();
  return r;
}

placement_link_actor::behavior_type link_impl(link_ptr self, std::shared_ptr<router_shared> shared,
                                              placement_link_config config) {
  auto& st = self->state;
  st.shared = std::move(shared);
  st.config = std::move(config);
  self->set_down_handler([self](caf::down_msg& msg) {
    auto& st = self->state;
    if (!st.placement || st.placement.address() != msg.source) return;
    spdlog::warn("event=placement_down reason=\"{}\"", caf::to_string(msg.reason));
    st.placement = nullptr;
    net::rotate_placement(st.config.address);  // another instance of the group
    schedule_reconnect(self);
  });
  if (st.config.handle && *st.config.handle) {
    st.placement = *st.config.handle;
    self->monitor(st.placement);
    subscribe(self);
  } else {
    connect(self);
  }
  return {
      [self](pb::RopeUpdate& update) { apply_update(self, update); },
      [self](caf::update_atom, uint64_t seen) -> caf::result<uint64_t> {
        auto& st = self->state;
        if (version(self) > seen || !st.placement) return version(self);
        auto rp = self->make_response_promise<uint64_t>();
        st.waiters.push_back(rp);
        refresh(self);
        return rp;
      },
      [self](pb::CreateTableRequest& req) -> caf::result<pb::TableReply> {
        if (!self->state.placement) return unavailable_reply<pb::TableReply>();
        return self->delegate(self->state.placement, std::move(req));
      },
      [self](tables_atom) -> caf::result<pb::TablesReply> {
        if (!self->state.placement) return unavailable_reply<pb::TablesReply>();
        return self->delegate(self->state.placement, tables_atom_v);
      },
      [self](tables_atom, std::string& name) -> caf::result<pb::TableReply> {
        if (!self->state.placement) return unavailable_reply<pb::TableReply>();
        return self->delegate(self->state.placement, tables_atom_v, std::move(name));
      },
      [self](drop_atom, std::string& name) -> caf::result<pb::TableReply> {
        if (!self->state.placement) return unavailable_reply<pb::TableReply>();
        return self->delegate(self->state.placement, drop_atom_v, std::move(name));
      },
      [self](cluster_atom) -> caf::result<pb::ClusterReply> {
        if (!self->state.placement) return unavailable_reply<pb::ClusterReply>();
        return self->delegate(self->state.placement, cluster_atom_v);
      },
      [self](pb::SplitSegmentRequest& req) -> caf::result<pb::SplitSegmentReply> {
        if (!self->state.placement) return unavailable_reply<pb::SplitSegmentReply>();
        return self->delegate(self->state.placement, std::move(req));
      },
      [self](pb::DrainNodeRequest& req) -> caf::result<pb::DrainNodeReply> {
        if (!self->state.placement) return unavailable_reply<pb::DrainNodeReply>();
        return self->delegate(self->state.placement, std::move(req));
      },
      [self](pb::CreateTokenRequest& req) -> caf::result<pb::TokenReply> {
        if (!self->state.placement) return unavailable_reply<pb::TokenReply>();
        return self->delegate(self->state.placement, std::move(req));
      },
      [self](pb::ListTokensRequest& req) -> caf::result<pb::TokensReply> {
        if (!self->state.placement) return unavailable_reply<pb::TokensReply>();
        return self->delegate(self->state.placement, std::move(req));
      },
      [self](pb::RevokeTokenRequest& req) -> caf::result<pb::TokenReply> {
        if (!self->state.placement) return unavailable_reply<pb::TokenReply>();
        return self->delegate(self->state.placement, std::move(req));
      },
      [self](pb::PutHookRequest& req) -> caf::result<pb::HookReply> {
        if (!self->state.placement) return unavailable_reply<pb::HookReply>();
        return self->delegate(self->state.placement, std::move(req));
      },
      [self](hooks_atom) -> caf::result<pb::HooksReply> {
        if (!self->state.placement) return unavailable_reply<pb::HooksReply>();
        return self->delegate(self->state.placement, hooks_atom_v);
      },
      [self](hooks_atom, std::string& name) -> caf::result<pb::HookReply> {
        if (!self->state.placement) return unavailable_reply<pb::HookReply>();
        return self->delegate(self->state.placement, hooks_atom_v, std::move(name));
      },
      [self](hooks_atom, drop_atom, std::string& name) -> caf::result<pb::HookReply> {
        if (!self->state.placement) return unavailable_reply<pb::HookReply>();
        return self->delegate(self->state.placement, hooks_atom_v, drop_atom_v, std::move(name));
      },
      [self](pb::PutIndexRequest& req) -> caf::result<pb::IndexReply> {
        if (!self->state.placement) return unavailable_reply<pb::IndexReply>();
        return self->delegate(self->state.placement, std::move(req));
      },
      [self](indexes_atom, std::string& table) -> caf::result<pb::IndexesReply> {
        if (!self->state.placement) return unavailable_reply<pb::IndexesReply>();
        return self->delegate(self->state.placement, indexes_atom_v, std::move(table));
      },
      [self](indexes_atom, std::string& table, std::string& name) -> caf::result<pb::IndexReply> {
        if (!self->state.placement) return unavailable_reply<pb::IndexReply>();
        return self->delegate(self->state.placement, indexes_atom_v, std::move(table), std::move(name));
      },
      [self](indexes_atom, drop_atom, std::string& table, std::string& name) -> caf::result<pb::IndexReply> {
        if (!self->state.placement) return unavailable_reply<pb::IndexReply>();
        return self->delegate(self->state.placement, indexes_atom_v, drop_atom_v, std::move(table),
                              std::move(name));
      },
      [self](tick_atom) {
        self->state.tick_scheduled = false;
        connect(self);
      },
      [self](caf::flush_atom) {
        self->state.refresh_deferred = false;
        if (self->state.placement) subscribe(self);
        else answer_waiters(self);
      },
  };
}

}  // namespace

placement_link_actor spawn_placement_link(caf::actor_system& sys,
                                          std::shared_ptr<router_shared> shared,
                                          placement_link_config config) {
  return sys.spawn(link_impl, std::move(shared), std::move(config));
}

}  // namespace ropekv::router
