#include "placement_session.hpp"

#include "ropekv/net/placement_addresses.hpp"

#include <spdlog/spdlog.h>

#include <utility>

#include "owner_directory.hpp"

namespace ropekv::feed {

placement_session::placement_session(router::placement_link_config target, const router::router_options& options)
    : target_(std::move(target)), connect_timeout_(options.connect_timeout), request_timeout_(options.admin_timeout) {}

bool placement_session::on_down(const caf::actor_addr& who) {
  if (!placement_ || who != placement_.address()) return false;
  spdlog::warn("event=placement_down");
  net::rotate_placement(target_.address);  // the next placement instance
  placement_ = nullptr;
  registered_ = false;
  return true;
}

void placement_session::reset() {
  placement_ = nullptr;
  registered_ = false;
}

void placement_session::adopt(caf::local_actor* self, net::placement_actor handle) {
  placement_ = std::move(handle);
  self->monitor(placement_);
}

bool placement_session::split_target(std::string& host, uint16_t& port) const {
  if (router::split_address(net::current_placement(target_.address), host, port)) return true;
  spdlog::error("event=bad_placement_address address={}", target_.address);
  return false;
}

void placement_session::connect_failed(const caf::error& err) {
  connecting_ = false;
  spdlog::warn("event=placement_connect_failed address={} error=\"{}\"", net::current_placement(target_.address),
               caf::to_string(err));
  net::rotate_placement(target_.address);  // the next placement instance
}

bool placement_session::accepted(const pb::Status& status) const {
  if (status.error_code() == 0) return true;
  spdlog::warn("event=register_refused error=\"{}\"", status.message());
  return false;
}

void placement_session::register_failed(const caf::error& err) {
  registering_ = false;
  spdlog::warn("event=register_failed error=\"{}\"", caf::to_string(err));
}

}  // namespace ropekv::feed
