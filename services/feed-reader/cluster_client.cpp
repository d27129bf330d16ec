#include "cluster_client.hpp"

#include <caf/exit_reason.hpp>
#include <caf/send.hpp>

namespace ropekv::feed {

void stop_cluster_client(router::router_shared& cluster, router::placement_link_actor& link,
                         router::owner_directory_actor& directory) {
  if (link) caf::anon_send_exit(link, caf::exit_reason::user_shutdown);
  if (directory) caf::anon_send_exit(directory, caf::exit_reason::user_shutdown);
  link = nullptr;
  directory = nullptr;
  cluster.owners.clear();
}

}  // namespace ropekv::feed
