#include "actor_doubles.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <stdexcept>

#include "ropekv/net/actor_interfaces.hpp"
#include "ropekv/rope/rope_delta.hpp"
#include "ropekv/rope/rope_proto.hpp"

namespace ropekv::router::test {
namespace {

published_actor publish(caf::actor_system& sys, caf::actor handle) {
  auto port = sys.middleman().publish(handle, 0, "127.0.0.1", true);
  if (!port) throw std::runtime_error("publish failed: " + sys.render(port.error()));
  return published_actor{std::move(handle), *port};
}

// The injected answer for this request, if a fault is armed.
std::optional<pb::Status> injected(segment_faults& f) {
  ++f.requests;
  auto take = [](std::atomic<int>& n) {
    int v = n.load();
    while (v > 0 && !n.compare_exchange_weak(v, v - 1)) {
    }
    return v > 0;
  };
  if (take(f.not_leader)) {
    auto s = status_of(errc::not_leader, "injected: not the leader");
    s.set_leader_hint(f.hint.load());
    return s;
  }
  if (take(f.wrong_segment)) return status_of(errc::wrong_segment, "injected: wrong segment");
  if (take(f.unavailable)) return status_of(errc::unavailable, "injected: unavailable");
  return std::nullopt;
}

template <class Reply>
Reply with(pb::Status s) {
  Reply r;
  *r.mutable_status() = std::move(s);
  return r;
}

// Spawn arguments are copied, hence the shared store; only this actor uses it.
caf::behavior segment_double(caf::event_based_actor*, std::shared_ptr<store_segment> store,
                             std::shared_ptr<segment_faults> faults) {
  return {
      [store, faults](pb::GetRequest& req) {
        if (auto s = injected(*faults)) return with<pb::GetReply>(*s);
        return store->get(req);
      },
      [store, faults](pb::WriteRequest& req) {
        if (auto s = injected(*faults)) return with<pb::WriteReply>(*s);
        return store->write(req);
      },
      [store, faults](pb::RangeRequest& req) {
        if (auto s = injected(*faults)) return with<pb::ItemsReply>(*s);
        return store->range(req);
      },
      [store, faults](pb::ScanRequest& req) {
        if (auto s = injected(*faults)) return with<pb::ItemsReply>(*s);
        return store->scan(req);
      },
      [store, faults](pb::PartitionRequest& req) {
        if (auto s = injected(*faults)) return with<pb::PartitionReply>(*s);
        return store->partition(req);
      },
      [](pb::RaftEnvelope&) {},
      [store](caf::put_atom, uint64_t epoch) { store->set_epoch(epoch); },
  };
}

caf::behavior follower_double(caf::event_based_actor*, uint64_t hint,
                              std::shared_ptr<segment_faults> faults) {
  auto no = [faults, hint] {
    ++faults->requests;
    auto s = status_of(errc::not_leader, "follower");
    s.set_leader_hint(hint);
    return s;
  };
  return {
      [no](pb::GetRequest&) { return with<pb::GetReply>(no()); },
      [no](pb::WriteRequest&) { return with<pb::WriteReply>(no()); },
      [no](pb::RangeRequest&) { return with<pb::ItemsReply>(no()); },
      [no](pb::ScanRequest&) { return with<pb::ItemsReply>(no()); },
      [no](pb::PartitionRequest&) { return with<pb::PartitionReply>(no()); },
  };
}

struct placement_state {
  std::shared_ptr<placement_model> model;
  std::vector<net::rope_subscriber> subscribers;
  rope::rope last_sent;
};

pb::Status status_code(errc code, std::string message) { return status_of(code, std::move(message)); }

// Caller holds the model's mutex.
pb::RopeUpdate update_from(const rope::rope& from, const placement_model& m) {
  pb::RopeUpdate u;
  *u.mutable_delta() = rope::to_proto(rope::diff(from, m.rope));
  if (from.version() == m.rope.version()) {
    u.mutable_delta()->set_from_version(m.rope.version());
    u.mutable_delta()->set_to_version(m.rope.version());
  }
  for (const auto& [name, t] : m.tables) *u.add_tables() = t;
  for (const auto& t : m.tokens) *u.add_tokens() = t;
  for (const auto& [id, address] : m.nodes) {
    auto* n = u.add_nodes();
    n->set_id(id);
    n->set_address(address);
  }
  return u;
}

caf::behavior placement_double(caf::stateful_actor<placement_state>* self,
                               std::shared_ptr<placement_model> model) {
  self->state.model = std::move(model);
  auto push = [self] {
    auto& st = self->state;
    pb::RopeUpdate u;
    {
      std::lock_guard lock(st.model->mutex);
      u = update_from(st.last_sent, *st.model);
      st.last_sent = st.model->rope;
    }
    for (auto& s : st.subscribers) self->send(s, u);
  };
  return {
      [self](subscribe_atom, net::rope_subscriber sub) {
        auto& st = self->state;
        if (std::find(st.subscribers.begin(), st.subscribers.end(), sub) == st.subscribers.end())
          st.subscribers.push_back(sub);
        std::lock_guard lock(st.model->mutex);
        st.last_sent = st.model->rope;
        return update_from(rope::rope{}, *st.model);
      },
      [push](caf::flush_atom) { push(); },
      [self, push](pb::CreateTableRequest& req) {
        pb::TableReply r;
        {
          std::lock_guard lock(self->state.model->mutex);
          auto& m = *self->state.model;
          if (m.tables.count(req.schema().name())) {
            *r.mutable_status() = status_code(errc::already_exists, "table exists");
            return r;
          }
          pb::TableSchema t = req.schema();
          t.set_id(m.next_table_id++);
          m.tables[t.name()] = t;
          *r.mutable_schema() = t;
        }
        push();
        return r;
      },
      [self](tables_atom) {
        pb::TablesReply r;
        std::lock_guard lock(self->state.model->mutex);
        for (const auto& [name, t] : self->state.model->tables) *r.add_tables() = t;
        return r;
      },
      [self](tables_atom, std::string& name) {
        pb::TableReply r;
        std::lock_guard lock(self->state.model->mutex);
        auto& tables = self->state.model->tables;
        if (auto it = tables.find(name); it != tables.end()) *r.mutable_schema() = it->second;
        else *r.mutable_status() = status_code(errc::not_found, "no such table");
        return r;
      },
      [self, push](drop_atom, std::string& name) {
        pb::TableReply r;
        {
          std::lock_guard lock(self->state.model->mutex);
          auto& tables = self->state.model->tables;
          auto it = tables.find(name);
          if (it == tables.end()) {
            *r.mutable_status() = status_code(errc::not_found, "no such table");
            return r;
          }
          *r.mutable_schema() = it->second;
          tables.erase(it);
        }
        push();
        return r;
      },
      [self](cluster_atom) {
        pb::ClusterReply r;
        std::lock_guard lock(self->state.model->mutex);
        auto& m = *self->state.model;
        r.set_rope_version(m.rope.version());
        for (const auto& [id, address] : m.nodes) {
          auto* n = r.add_nodes();
          n->set_id(id);
          n->set_address(address);
          r.add_alive_nodes(id);
        }
        m.rope.for_each([&](const rope::segment& s) { *r.add_segments() = rope::to_proto(s); });
        return r;
      },
  };
}

}  // namespace

void placement_model::set_segments(std::vector<rope::segment> segments) {
  uint64_t next = rope.version() + 1;
  rope = std::move(rope::rope::from_segments(std::move(segments), next).value());
}

published_actor spawn_segment_double(caf::actor_system& sys, std::unique_ptr<store_segment> store,
                                     std::shared_ptr<segment_faults> faults) {
  std::shared_ptr<store_segment> shared(std::move(store));
  return publish(sys, sys.spawn<caf::detached>(segment_double, shared, std::move(faults)));
}

published_actor spawn_follower_double(caf::actor_system& sys, uint64_t leader_hint,
                                      std::shared_ptr<segment_faults> faults) {
  return publish(sys, sys.spawn(follower_double, leader_hint, std::move(faults)));
}

published_actor spawn_placement_double(caf::actor_system& sys, std::shared_ptr<placement_model> model) {
  return publish(sys, sys.spawn(placement_double, std::move(model)));
}

}  // namespace ropekv::router::test
