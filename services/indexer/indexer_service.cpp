#include "indexer_service.hpp"

#include <caf/all.hpp>
#include <caf/io/middleman.hpp>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>

#include "cluster_client.hpp"
#include "ropekv/net/service_process.hpp"
#include "ropekv/net/cluster_tls.hpp"

namespace ropekv::indexer {

namespace {

std::filesystem::path id_file(const indexer_options& options) {
  return std::filesystem::path(options.data_dir) / "indexer.id";
}

}  // namespace

uint64_t load_indexer_id(const indexer_options& options) {
  if (options.data_dir.empty()) return 0;
  std::ifstream in(id_file(options));
  uint64_t id = 0;
  in >> id;
  return in ? id : 0;
}

status save_indexer_id(const indexer_options& options, uint64_t id) {
  if (options.data_dir.empty()) return {};
  auto path = id_file(options);
  auto tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << id << '\n';
    if (!out.flush()) return make_error(errc::io_error, "cannot write " + tmp.string());
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return make_error(errc::io_error, "rename " + tmp.string() + ": " + ec.message());
  return {};
}

indexer_service::indexer_service(caf::actor_system& sys, indexer_service_options options)
    : sys_(sys), options_(std::move(options)) {}

indexer_service::~indexer_service() { stop(); }

status indexer_service::start() {
  const auto& dir = options_.indexer.data_dir;
  if (!dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return make_error(errc::io_error, "data dir " + dir + ": " + ec.message());
  }
  shared_ = std::make_shared<indexer_shared>(options_.indexer, options_.cluster);
  shared_->indexer_id = load_indexer_id(options_.indexer);
  shared_->owner_directory = router::spawn_owner_directory(sys_, shared_->cluster);
  shared_->placement_link =
      router::spawn_placement_link(sys_, shared_->cluster, {options_.placement, options_.placement_handle});
  coordinator_ = spawn_coordinator(sys_, shared_, {options_.placement, options_.placement_handle});
  const auto& host = options_.indexer.host;
  auto published = net::cluster_publish(sys_, coordinator_, options_.caf_port, host.c_str(), true);
  if (!published) {
    return make_error(errc::unavailable, "publish on " + host + ":" + std::to_string(options_.caf_port) + ": " +
                                             sys_.render(published.error()));
  }
  caf_port_ = *published;
  caf::anon_send(coordinator_, listen_atom_v, host + ":" + std::to_string(caf_port_));
  return {};
}

void indexer_service::stop() {
  if (coordinator_) net::stop_actor(sys_, coordinator_, "indexer");
  coordinator_ = nullptr;
  if (shared_) feed::stop_cluster_client(*shared_->cluster, shared_->placement_link, shared_->owner_directory);
}

}  // namespace ropekv::indexer
