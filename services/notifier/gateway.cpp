// The gateway's behavior and its handling of client frames.
#include <spdlog/spdlog.h>

#include "gateway_state.hpp"
#include "ropekv/notify/server_frames.hpp"
#include "ropekv/notify/subscription_filter.hpp"
#include "table_tail.hpp"

namespace ropekv::notifier {

using notify::frame_errc;

namespace {

void send_error(gateway_pointer self, uint64_t conn, frame_errc code, std::string_view message,
                const std::string* id = nullptr) {
  send_to_client(self, conn,
             notify::write_error(code, message, id ? std::optional<std::string_view>(*id) : std::nullopt));
}

caf::actor tail_for(gateway_pointer self, uint32_t table, const pb::TableSchema& schema) {
  auto& st = self->state;
  auto it = st.tails.find(table);
  if (it != st.tails.end()) return it->second;
  auto tail = spawn_table_tail(self->home_system(), st.shared, caf::actor_cast<caf::actor>(self), table,
                               schema.name(), !schema.range_key().empty());
  st.tails.emplace(table, tail);
  return tail;
}

/// One subscription of a connection ended (unsubscribe, tail gave up).
void forget_sub(gateway_pointer self, uint64_t conn, const std::string& id) {
  auto& st = self->state;
  auto c = st.conns.find(conn);
  if (c == st.conns.end()) return;
  auto s = c->second.subs.find(id);
  if (s == c->second.subs.end()) return;
  uint32_t table = s->second;
  c->second.subs.erase(s);
  --st.shared->counters.subscriptions;
  if (--st.tail_subs[table] == 0) {
    st.tail_subs.erase(table);
    if (auto t = st.tails.find(table); t != st.tails.end()) {
      self->send_exit(t->second, caf::exit_reason::user_shutdown);
      st.tails.erase(t);
    }
  }
}

void handle_subscribe(gateway_pointer self, uint64_t conn, notify::subscribe_request& req) {
  auto& st = self->state;
  auto& info = st.conns[conn];
  if (info.subs.count(req.id)) {
    return send_error(self, conn, frame_errc::duplicate_id, "a subscription with this id exists", &req.id);
  }
  if (info.subs.size() >= st.shared->options.max_subscriptions) {
    return send_error(self, conn, frame_errc::too_many_subscriptions,
                      "at most " + std::to_string(st.shared->options.max_subscriptions) +
                          " subscriptions per connection",
                      &req.id);
  }
  auto snap = st.shared->cluster->routes.load();
  const pb::TableSchema* schema = snap->table(req.table);
  if (schema == nullptr) {
    return send_error(self, conn, frame_errc::unknown_table, "no table named " + req.table, &req.id);
  }
  pb::FeedSubscription sub;
  sub.set_connection(conn);
  sub.set_id(req.id);
  sub.set_table_id(schema->id());
  sub.set_table(schema->name());
  sub.set_has_range_key(!schema->range_key().empty());
  auto scope = req.hash_key ? notify::key_scope::exact : req.prefix ? notify::key_scope::prefix : notify::key_scope::any;
  sub.set_scope(static_cast<uint32_t>(scope));
  if (req.hash_key) sub.set_key(*req.hash_key);
  if (req.prefix) sub.set_key(*req.prefix);
  sub.set_kinds(req.kinds.bits());
  if (req.from_token) sub.set_from(*req.from_token);
  info.subs.emplace(req.id, schema->id());
  ++st.tail_subs[schema->id()];
  ++st.shared->counters.subscriptions;
  caf::anon_send(tail_for(self, schema->id(), *schema), std::move(sub));
}

void handle_unsubscribe(gateway_pointer self, uint64_t conn, const notify::unsubscribe_request& req) {
  auto& st = self->state;
  auto c = st.conns.find(conn);
  if (c == st.conns.end() || !c->second.subs.count(req.id)) {
    return send_error(self, conn, frame_errc::not_subscribed, "no subscription with this id", &req.id);
  }
  uint32_t table = c->second.subs.at(req.id);
  if (auto t = st.tails.find(table); t != st.tails.end()) caf::anon_send(t->second, detach_atom_v, conn, req.id);
  forget_sub(self, conn, req.id);
  send_to_client(self, conn, notify::write_unsubscribed(req.id));
}

void handle_frame(gateway_pointer self, uint64_t conn, const std::string& text) {
  auto parsed = notify::parse_client_frame(text);
  if (auto* err = std::get_if<notify::frame_error>(&parsed)) {
    return send_to_client(self, conn, notify::write_error(*err));
  }
  auto& req = std::get<notify::client_request>(parsed);
  std::visit(
      [&](auto& r) {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<T, notify::subscribe_request>) handle_subscribe(self, conn, r);
        else if constexpr (std::is_same_v<T, notify::unsubscribe_request>) handle_unsubscribe(self, conn, r);
        else if constexpr (std::is_same_v<T, notify::join_request>) handle_join(self, conn, r);
        else if constexpr (std::is_same_v<T, notify::leave_request>) handle_leave(self, conn, r);
        else if constexpr (std::is_same_v<T, notify::publish_request>) handle_publish(self, conn, r);
        else if constexpr (std::is_same_v<T, notify::members_request>) handle_members(self, conn, r);
        else send_to_client(self, conn, notify::write_pong());
      },
      req);
}

void on_close(gateway_pointer self, uint64_t conn) {
  auto& st = self->state;
  auto c = st.conns.find(conn);
  if (c == st.conns.end()) return;
  std::set<uint32_t> tables;
  for (auto& [id, table] : c->second.subs) tables.insert(table);
  for (uint32_t t : tables) {
    if (auto it = st.tails.find(t); it != st.tails.end()) caf::anon_send(it->second, ws_close_atom_v, conn);
  }
  std::vector<std::string> ids;
  for (auto& [id, table] : c->second.subs) ids.push_back(id);
  for (auto& id : ids) forget_sub(self, conn, id);
  st.channels.remove_connection(notify::connection_id{conn});
  st.conns.erase(conn);
}

}  // namespace

void send_to_client(gateway_pointer self, uint64_t conn, std::string frame) {
  // A full queue on a reply: the connection is hopelessly behind.
  if (!self->state.shared->ws->send(notify::connection_id{conn}, std::move(frame))) {
    self->state.shared->ws->send_final(
        notify::connection_id{conn},
        notify::write_error(frame_errc::slow_consumer, "the connection fell behind its queue limit"),
        notify::ws_close{notify::ws_close::policy_error, "slow_consumer"});
  }
}

std::string member_name(const gateway_state& st, uint64_t conn) {
  return std::to_string(st.shared->notifier_id.load()) + ":" + std::to_string(conn);
}

gateway_actor::behavior_type gateway_fn(gateway_pointer self, std::shared_ptr<notifier_shared> shared,
                                        gateway_config config) {
  auto& st = self->state;
  st.shared = std::move(shared);
  st.placement = feed::placement_session{{std::move(config.placement_address), std::move(config.placement_handle)},
                                         st.shared->cluster->options};
  self->set_down_handler([self](caf::down_msg& msg) { on_placement_down(self, msg.source); });
  self->set_exit_handler([self](caf::exit_msg& msg) {
    stop_hooks(self);
    for (auto& [t, tail] : self->state.tails) self->send_exit(tail, msg.reason);
    self->state.tails.clear();
    self->state.peers.clear();
    self->state.placement.reset();
    self->quit(msg.reason);
  });
  return {
      [self](pb::RopeUpdate& update) {
        update_peers(self, update);
        update_hooks(self, update);
      },
      [self](pb::ChannelMessage& msg) { deliver_channel_message(self, msg); },
      [self](pb::PresenceRequest& req) -> pb::PresenceReply { return local_presence(self, req.channel()); },
      [self](ws_open_atom, uint64_t conn, std::string& remote) {
        self->state.conns[conn].remote = std::move(remote);
      },
      [self](ws_text_atom, uint64_t conn, std::string& text) { handle_frame(self, conn, text); },
      [self](ws_close_atom, uint64_t conn) { on_close(self, conn); },
      [self](detach_atom, uint64_t conn, std::string& id) { forget_sub(self, conn, id); },
      [self](pb::HookReport& report) {
        auto it = self->state.hooks.find(report.name());
        if (it != self->state.hooks.end()) it->second.state = std::move(*report.mutable_state());
      },
      [self](listen_atom, std::string& address) {
        self->state.address = std::move(address);
        placement_tick(self);
      },
      [self](tick_atom) { placement_tick(self); },
  };
}

gateway_actor spawn_gateway(caf::actor_system& sys, std::shared_ptr<notifier_shared> shared,
                            gateway_config config) {
  return sys.spawn(gateway_fn, std::move(shared), std::move(config));
}

}  // namespace ropekv::notifier
