#include <thread>

#include "workloads.hpp"

namespace ropekv::chaos {

using namespace std::chrono_literals;

router_client::router_client(const workload_env& env, unsigned first)
    : env_(env), router_(first % static_cast<unsigned>(env.routers.size())) {}

integration::http_reply router_client::request(std::string_view method, const std::string& target,
                                               const std::string& body) {
  if (!c_) c_ = std::make_unique<integration::http_client>(env_.routers[router_], env_.port, 5s);
  auto r = c_->request(method, target, body);
  if (r.status == 0) {
    // No answer (router down, paused or cut off): the next request tries another.
    router_ = (router_ + 1) % static_cast<unsigned>(env_.routers.size());
    c_.reset();
  }
  return r;
}

}  // namespace ropekv::chaos
