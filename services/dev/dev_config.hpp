#pragma once
// Command-line / config-file options of ropekv-dev, through CAF's own config
// (--http-port=0 --data-dir=DIR --owners=3; also settable in
// caf-application.ini). options() turns them into dev_options.
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>

#include <cstdint>
#include <string>

#include "dev_cluster.hpp"
#include "ropekv/net/service_config.hpp"

namespace ropekv::dev {

struct dev_config : caf::actor_system_config {
  uint16_t http_port = 8080;
  uint16_t ws_port = 8088;
  std::string data_dir = "./data";
  uint32_t owners = 3;
  uint32_t placements = 3;
  std::string log_level = "info";

  dev_config() {
    opt_group{custom_options_, "global"}
        .add(http_port, "http-port", "HTTP port of the router (0: the OS picks one)")
        .add(ws_port, "ws-port", "WebSocket port of the notifier (0: the OS picks one)")
        .add(data_dir, "data-dir",
             "directory holding placement/, owner-<i>/, notifier/ and indexer/ (created if missing)")
        .add(owners, "owners", "segment-owners to run (racks r1..rN)")
        .add(placements, "placements", "placement instances, one Raft group (1 for the smallest setup)")
        .add(log_level, "log-level", "trace|debug|info|warn|error");
    net::configure_service(*this);
  }

  dev_options options() const {
    dev_options o;
    o.http_port = http_port;
    o.ws_port = ws_port;
    o.data_dir = data_dir;
    o.owners = owners;
    o.placements = placements;
    return o;
  }
};

}  // namespace ropekv::dev
