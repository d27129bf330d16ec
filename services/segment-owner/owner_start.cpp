#include "owner_start.hpp"

#include <caf/io/middleman.hpp>
#include <caf/send.hpp>
#include <spdlog/spdlog.h>

#include "data_dir.hpp"
#include "owner_actor.hpp"
#include "ropekv/net/service_process.hpp"
#include "ropekv/net/type_ids.hpp"
#include "ropekv/net/cluster_tls.hpp"

namespace ropekv::segment_owner {

result<owner_endpoint> start_owner(caf::actor_system& sys, const owner_options& options,
                                   const std::string& data_dir_path, uint16_t port) {
  auto dir = data_dir::open(data_dir_path);
  auto saved = dir ? dir->load_node_id() : result<node_id>(dir.error());
  if (!saved) return make_error(saved.error().code, "data dir " + data_dir_path + ": " + saved.error().message);
  auto owner = spawn_owner(sys, options, std::move(*dir), *saved);
  auto published = net::cluster_publish(sys, owner, port, options.host.c_str(), true);
  if (!published) {
    stop_owner(sys, owner);
    return make_error(errc::unavailable, "publish on " + options.host + ":" + std::to_string(port) + ": " +
                                             sys.render(published.error()));
  }
  auto address = options.host + ":" + std::to_string(*published);
  caf::anon_send(owner, listen_atom_v, address);
  return owner_endpoint{std::move(owner), *published, std::move(address)};
}

bool stop_owner(caf::actor_system& sys, const net::owner_actor& owner, std::chrono::seconds limit) {
  return net::stop_actor(sys, owner, "segment-owner", limit);
}

}  // namespace ropekv::segment_owner
