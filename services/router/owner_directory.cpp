#include "owner_directory.hpp"

#include <caf/all.hpp>
#include <caf/io/middleman.hpp>
#include <spdlog/spdlog.h>

#include <charconv>
#include <map>
#include <vector>
#include "ropekv/net/cluster_tls.hpp"

namespace ropekv::router {
namespace {

struct cached_owner {
  std::string address;
  caf::strong_actor_ptr handle;
};

struct pending_connect {
  std::string address;
  std::vector<caf::typed_response_promise<caf::strong_actor_ptr>> waiters;
};

struct directory_state {
  std::shared_ptr<router_shared> shared;
  std::map<uint64_t, cached_owner> owners;
  std::map<uint64_t, pending_connect> pending;
  // Nodes whose last connect failed, until when asks fail at once: while a
  // node is down, retrying requests must not turn into a connect storm.
  std::map<uint64_t, std::chrono::steady_clock::time_point> failed_until;
  // Services resolved by address (indexers): handles, connects in flight,
  // and addresses that failed lately.
  std::map<std::string, caf::strong_actor_ptr> by_address;
  std::map<std::string, std::vector<caf::typed_response_promise<caf::strong_actor_ptr>>> pending_address;
  std::map<std::string, std::chrono::steady_clock::time_point> address_failed_until;
  static inline const char* name = "ropekv.router.owner_directory";
};

using directory_ptr = owner_directory_actor::stateful_pointer<directory_state>;

caf::error cannot_connect(std::string what) {
  return caf::make_error(caf::sec::cannot_connect_to_node, std::move(what));
}

void finish_connect(directory_ptr self, uint64_t node, const caf::strong_actor_ptr& handle,
                    const caf::error& err) {
  auto it = self->state.pending.find(node);
  if (it == self->state.pending.end()) return;
  auto waiters = std::move(it->second.waiters);
  std::string address = std::move(it->second.address);
  self->state.pending.erase(it);
  if (handle) {
    self->monitor(handle);
    self->state.owners[node] = cached_owner{address, handle};
    self->state.shared->owners.put(node, address, handle);
    spdlog::debug("event=owner_connected node={} address={}", node, address);
    for (auto& w : waiters) w.deliver(handle);
    return;
  }
  spdlog::warn("event=owner_connect_failed node={} address={} error=\"{}\"", node, address,
               caf::to_string(err));
  self->state.failed_until[node] =
      std::chrono::steady_clock::now() + self->state.shared->options.reconnect_backoff;
  for (auto& w : waiters) w.deliver(err);
}

void start_connect(directory_ptr self, uint64_t node, const std::string& address) {
  std::string host;
  uint16_t port = 0;
  if (!split_address(address, host, port)) {
    finish_connect(self, node, nullptr, cannot_connect("malformed address " + address));
    return;
  }
  auto mm = net::cluster_middleman(self->home_system());
  self->request(mm, self->state.shared->options.connect_timeout, caf::connect_atom_v, host, port)
      .then(
          [self, node](caf::node_id&, caf::strong_actor_ptr& handle, std::set<std::string>&) {
            if (!handle) {
              finish_connect(self, node, nullptr, cannot_connect("no actor published there"));
              return;
            }
            finish_connect(self, node, handle, caf::error{});
          },
          [self, node](caf::error& err) { finish_connect(self, node, nullptr, err); });
}

void finish_address_connect(directory_ptr self, const std::string& address,
                            const caf::strong_actor_ptr& handle, const caf::error& err) {
  auto& st = self->state;
  auto waiters = std::move(st.pending_address[address]);
  st.pending_address.erase(address);
  if (handle) {
    self->monitor(handle);
    st.by_address[address] = handle;
    for (auto& w : waiters) w.deliver(handle);
    return;
  }
  spdlog::warn("event=service_connect_failed address={} error=\"{}\"", address, caf::to_string(err));
  st.address_failed_until[address] = std::chrono::steady_clock::now() + st.shared->options.reconnect_backoff;
  for (auto& w : waiters) w.deliver(err);
}

caf::result<caf::strong_actor_ptr> resolve_address(directory_ptr self, const std::string& address) {
  auto& st = self->state;
  if (auto it = st.by_address.find(address); it != st.by_address.end()) return it->second;
  if (auto it = st.address_failed_until.find(address); it != st.address_failed_until.end()) {
    if (std::chrono::steady_clock::now() < it->second)
      return cannot_connect(address + " was unreachable moments ago");
    st.address_failed_until.erase(it);
  }
  std::string host;
  uint16_t port = 0;
  if (!split_address(address, host, port)) return cannot_connect("malformed address " + address);
  auto rp = self->make_response_promise<caf::strong_actor_ptr>();
  auto& waiters = st.pending_address[address];
  waiters.push_back(rp);
  if (waiters.size() > 1) return rp;
  auto mm = net::cluster_middleman(self->home_system());
  self->request(mm, st.shared->options.connect_timeout, caf::connect_atom_v, host, port)
      .then(
          [self, address](caf::node_id&, caf::strong_actor_ptr& handle, std::set<std::string>&) {
            if (!handle) return finish_address_connect(self, address, nullptr, cannot_connect("no actor published there"));
            finish_address_connect(self, address, handle, caf::error{});
          },
          [self, address](caf::error& err) { finish_address_connect(self, address, nullptr, err); });
  return rp;
}

owner_directory_actor::behavior_type directory_impl(directory_ptr self,
                                                    std::shared_ptr<router_shared> shared) {
  self->state.shared = std::move(shared);
  self->set_down_handler([self](caf::down_msg& msg) {
    auto& owners = self->state.owners;
    for (auto it = owners.begin(); it != owners.end();) {
      if (it->second.handle && it->second.handle->address() == msg.source) {
        spdlog::info("event=owner_down node={} address={}", it->first, it->second.address);
        self->state.shared->owners.erase(it->first);
        it = owners.erase(it);
      } else {
        ++it;
      }
    }
    auto& by_address = self->state.by_address;
    for (auto it = by_address.begin(); it != by_address.end();) {
      if (it->second && it->second->address() == msg.source) it = by_address.erase(it);
      else ++it;
    }
  });
  return {
      [self](caf::resolve_atom, uint64_t node) -> caf::result<caf::strong_actor_ptr> {
        std::string address = self->state.shared->routes.load()->address_of(node_id{node});
        if (address.empty()) return cannot_connect("node " + std::to_string(node) + " has no address");
        auto& st = self->state;
        if (auto it = st.owners.find(node); it != st.owners.end()) {
          if (it->second.address == address) return it->second.handle;
          st.owners.erase(it);  // moved: the old handle may still answer, for another node
          st.shared->owners.erase(node);
        }
        if (auto it = st.failed_until.find(node); it != st.failed_until.end()) {
          if (std::chrono::steady_clock::now() < it->second)
            return cannot_connect("node " + std::to_string(node) + " was unreachable moments ago");
          st.failed_until.erase(it);
        }
        auto rp = self->make_response_promise<caf::strong_actor_ptr>();
        auto [it, fresh] = st.pending.try_emplace(node);
        it->second.waiters.push_back(rp);
        if (fresh) {
          it->second.address = address;
          start_connect(self, node, address);
        }
        return rp;
      },
      [self](caf::resolve_atom, const std::string& address) { return resolve_address(self, address); },
  };
}

}  // namespace

bool split_address(const std::string& address, std::string& host, uint16_t& port) {
  auto colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == address.size()) return false;
  host = address.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  const char* first = address.data() + colon + 1;
  const char* last = address.data() + address.size();
  auto [end, ec] = std::from_chars(first, last, port);
  return ec == std::errc{} && end == last && port != 0;
}

owner_directory_actor spawn_owner_directory(caf::actor_system& sys,
                                            std::shared_ptr<router_shared> shared) {
  return sys.spawn(directory_impl, std::move(shared));
}

}  // namespace ropekv::router
