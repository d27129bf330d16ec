#include "placement_start.hpp"

#include <caf/io/middleman.hpp>
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <filesystem>

#include "placement_front.hpp"
#include "placement_group.hpp"
#include "ropekv/net/service_process.hpp"
#include "ropekv/net/cluster_tls.hpp"

namespace ropekv::placement_service {
namespace {

// A group member's address must be known before the group opens (it is in
// the Raft configuration), so "--port 0" asks the OS for a port up front.
}  // namespace

uint16_t pick_free_port(const std::string& host) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = 0;
  if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  uint16_t port = 0;
  socklen_t len = sizeof(addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
    port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

result<std::vector<consensus::member>> placement_peers(const std::string& text) {
  std::vector<consensus::member> out;
  size_t pos = 0;
  while (pos < text.size()) {
    auto comma = text.find(',', pos);
    auto item = text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    pos = comma == std::string::npos ? text.size() : comma + 1;
    if (item.empty()) continue;
    auto at = item.find('@');
    uint64_t id = 0;
    try {
      id = at == std::string::npos ? 0 : std::stoull(item.substr(0, at));
    } catch (...) {
      id = 0;
    }
    if (id == 0 || item.find(':', at) == std::string::npos)
      return make_error(errc::invalid_argument, "peer \"" + item + "\" is not id@host:port (id >= 1)");
    out.push_back({node_id{id}, item.substr(at + 1), consensus::member_role::voter});
  }
  return out;
}

result<placement_endpoint> start_placement(caf::actor_system& sys, const placement_start_options& options) {
  std::error_code ec;
  std::filesystem::create_directories(options.data_dir, ec);
  uint16_t port = options.port;
  for (const auto& m : options.peers) {
    if (m.id.value == options.id && port == 0) {
      auto colon = m.address.rfind(':');
      port = static_cast<uint16_t>(std::stoul(m.address.substr(colon + 1)));
    }
  }
  if (port == 0) port = pick_free_port(options.host);
  placement_group_options go;
  go.id = options.id;
  go.address = options.host + ":" + std::to_string(port);
  go.data_dir = options.data_dir;
  go.election_timeout_ms = options.election_timeout_ms;
  if (!options.join) {
    go.initial = options.peers;
    if (go.initial.empty()) go.initial.push_back({node_id{options.id}, go.address, consensus::member_role::voter});
  }
  auto group = placement_group::open(go);
  if (!group) return make_error(group.error().code, "placement group in " + options.data_dir + ": " + group.error().message);
  placement_front_config fc;
  fc.group = std::shared_ptr<placement_group>(std::move(*group));
  fc.catalog_path = (std::filesystem::path(options.data_dir) / "placement.db").string();
  fc.options = options.options;
  auto front = spawn_placement_front(sys, std::move(fc));
  auto actor = caf::actor_cast<net::placement_actor>(front);
  auto published = net::cluster_publish(sys, actor, port, options.host.c_str(), true);
  if (!published) {
    stop_placement(sys, actor);
    return make_error(errc::unavailable, "publish on " + options.host + ":" + std::to_string(port) + ": " +
                                             sys.render(published.error()));
  }
  spdlog::info("event=listening host={} port={} data_dir={} id={} peers={} down_after_ms={}", options.host,
               *published, options.data_dir, options.id, options.peers.size(),
               options.options.down_after.count());
  return placement_endpoint{std::move(actor), *published};
}

bool stop_placement(caf::actor_system& sys, const net::placement_actor& actor, std::chrono::seconds limit) {
  return net::stop_actor(sys, actor, "placement", limit);
}

}  // namespace ropekv::placement_service
