#include "dev_cluster.hpp"

#include <caf/scoped_actor.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <thread>

namespace ropekv::dev {

namespace {

/// True once every owner has registered at its current address (a restart
/// gives owners new ports; placement's catalog still has the old ones until
/// they re-register).
bool all_registered(const pb::ClusterReply& cluster, const std::vector<segment_owner::owner_endpoint>& owners) {
  return std::all_of(owners.begin(), owners.end(), [&](const segment_owner::owner_endpoint& owner) {
    const auto& nodes = cluster.nodes();
    return std::any_of(nodes.begin(), nodes.end(),
                       [&](const pb::NodeDescriptor& node) { return node.address() == owner.address; });
  });
}

/// The placement group's ports: those saved in `path` by an earlier start
/// on this data dir, else `n` free ones (then saved).
result<std::vector<uint16_t>> group_ports(const std::filesystem::path& path, unsigned n, const std::string& host) {
  std::vector<uint16_t> ports;
  if (std::ifstream in(path); in) {
    for (unsigned p = 0; ports.size() < n && in >> p;) ports.push_back(static_cast<uint16_t>(p));
    if (ports.size() == n) return ports;
    ports.clear();
  }
  for (unsigned k = 0; k < n; ++k) ports.push_back(placement_service::pick_free_port(host));
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  std::ofstream out(path, std::ios::trunc);
  for (auto p : ports) out << p << "\n";
  if (!out.flush()) return make_error(errc::io_error, "cannot write " + path.string());
  return ports;
}

}  // namespace

dev_cluster::~dev_cluster() { stop(); }

status dev_cluster::start(const dev_options& options) {
  if (options.owners == 0) return make_error(errc::invalid_argument, "--owners must be at least 1");
  const std::filesystem::path root(options.data_dir);

  // The placement group, as separate processes would run it: each
  // instance published on its own port and told every member.
  const unsigned n = std::max(1u, options.placements);
  placement_service::placement_start_options placement;
  std::vector<consensus::member> peers;
  if (n > 1) {
    // The group's members know each other by the addresses in their Raft
    // configuration: a restart on the same data dir must reuse the ports
    // picked the first time (kept in placement.ports), or no instance could
    // reach the others' votes again.
    auto ports = group_ports(root / "placement.ports", n, placement.host);
    if (!ports) return std::move(ports).error();
    for (unsigned k = 1; k <= n; ++k) {
      peers.push_back({node_id{k}, placement.host + ":" + std::to_string((*ports)[k - 1]),
                       consensus::member_role::voter});
    }
  }
  std::string placement_address;
  for (unsigned k = 1; k <= n; ++k) {
    auto instance = placement;
    instance.data_dir = (root / (k == 1 ? std::string("placement") : "placement-" + std::to_string(k))).string();
    instance.id = k;
    instance.peers = peers;
    auto started = placement_service::start_placement(sys_, instance);
    if (!started) {
      stop();
      return std::move(started).error();
    }
    placement_address += (k == 1 ? "" : ",") + instance.host + ":" + std::to_string(started->port);
    if (k == 1) placement_ = std::move(*started);
    else more_placements_.push_back(std::move(*started));
  }

  for (unsigned i = 1; i <= options.owners; ++i) {
    segment_owner::owner_options owner;
    owner.placement = placement_address;
    owner.rack = "r" + std::to_string(i);
    owner.host_label = "dev-" + std::to_string(i);
    auto dir = (root / ("owner-" + std::to_string(i))).string();
    auto endpoint = segment_owner::start_owner(sys_, owner, dir, 0);
    if (!endpoint) {
      stop();
      return std::move(endpoint).error();
    }
    spdlog::info("event=owner_started index={} address={} data_dir={}", i, endpoint->address, dir);
    owners_.push_back(std::move(*endpoint));
  }

  // HTTP opens only once placement knows every owner, so a table created
  // right away is spread over all of them. Not fatal: a table created
  // before the last one registers is placed on those registered so far.
  if (!wait_for_owners(std::chrono::seconds(30)))
    spdlog::warn("event=owners_not_registered action=serve_anyway");

  router::router_service_options routing;
  routing.http.port = options.http_port;
  routing.http.server_name = "ropekv-dev";
  routing.placement.handle = placement_->actor;
  // The embedded mode is for one developer's machine: no bearer tokens
  // (main.cpp says so at start; docs/security.md).
  routing.router.require_auth = false;
  router_ = std::make_unique<router::router_service>(sys_, routing);
  if (auto http = router_->start(); !http) {
    stop();
    return std::move(http).error();
  }

  notifier::notifier_service_options notifying;
  notifying.ws_port = options.ws_port;
  notifying.placement = placement_address;
  notifying.placement_handle = placement_->actor;
  notifying.cluster.require_auth = false;  // as the router's, above
  notifying.notifier.data_dir = (root / "notifier").string();
  notifier_ = std::make_unique<notifier::notifier_service>(sys_, notifying);
  if (auto ws = notifier_->start(); !ws) {
    stop();
    return std::move(ws).error();
  }

  indexer::indexer_service_options indexing;
  indexing.placement = placement_address;
  indexing.placement_handle = placement_->actor;
  indexing.indexer.data_dir = (root / "indexer").string();
  indexer_ = std::make_unique<indexer::indexer_service>(sys_, indexing);
  if (auto started_indexer = indexer_->start(); !started_indexer) {
    stop();
    return std::move(started_indexer).error();
  }
  return {};
}

std::string dev_cluster::indexer_address() const {
  return indexer_ ? "127.0.0.1:" + std::to_string(indexer_->caf_port()) : std::string();
}

bool dev_cluster::wait_for_owners(std::chrono::seconds limit) {
  caf::scoped_actor self{sys_};
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    bool done = false;
    self->request(placement_->actor, std::chrono::seconds(2), cluster_atom_v)
        .receive([&](pb::ClusterReply& cluster) { done = all_registered(cluster, owners_); },
                 [](caf::error&) {});
    if (done) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

void dev_cluster::stop() {
  if (indexer_) indexer_->stop();
  indexer_.reset();
  if (notifier_) notifier_->stop();
  notifier_.reset();
  if (router_) router_->stop();
  router_.reset();
  for (auto& owner : owners_) segment_owner::stop_owner(sys_, owner.actor);
  owners_.clear();
  if (placement_) placement_service::stop_placement(sys_, placement_->actor);
  placement_.reset();
  for (auto& p : more_placements_) placement_service::stop_placement(sys_, p.actor);
  more_placements_.clear();
}

}  // namespace ropekv::dev
