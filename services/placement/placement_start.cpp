#include "placement_start.hpp"

#include <caf/io/middleman.hpp>
#include <spdlog/spdlog.h>

#include <filesystem>

#include "placement_actor.hpp"
#include "ropekv/net/service_process.hpp"

namespace ropekv::placement_service {

result<placement_endpoint> start_placement(caf::actor_system& sys, const placement_start_options& options) {
  std::error_code ec;
  std::filesystem::create_directories(options.data_dir, ec);
  auto catalog = (std::filesystem::path(options.data_dir) / "placement.db").string();
  auto core = placement_state::open(catalog, options.options, std::chrono::steady_clock::now());
  if (!core) return make_error(core.error().code, "catalog " + catalog + ": " + core.error().message);
  auto actor = spawn_placement(sys, std::move(*core));
  auto port = sys.middleman().publish(actor, options.port, options.host.c_str(), true);
  if (!port) {
    stop_placement(sys, actor);
    return make_error(errc::unavailable, "publish on " + options.host + ":" + std::to_string(options.port) +
                                             ": " + sys.render(port.error()));
  }
  spdlog::info("event=listening host={} port={} data_dir={} down_after_ms={}", options.host, *port,
               options.data_dir, options.options.down_after.count());
  return placement_endpoint{std::move(actor), *port};
}

bool stop_placement(caf::actor_system& sys, const net::placement_actor& actor, std::chrono::seconds limit) {
  return net::stop_actor(sys, actor, "placement", limit);
}

}  // namespace ropekv::placement_service
