#include "request_auth.hpp"

#include <spdlog/spdlog.h>

#include "ropekv/auth/route_access.hpp"
#include "ropekv/auth/token_secret.hpp"
#include "ropekv/net/http_error.hpp"

namespace ropekv::router {
namespace {

std::string describe(const auth::requirement& need) {
  switch (need.level) {
    case auth::access::read:
    case auth::access::write:
    case auth::access::admin:
      return std::string(auth::to_string(need.level)) + " on table " + (need.table == "*" ? "* (every table)" : need.table);
    case auth::access::cluster_read: return "node or cluster-admin";
    case auth::access::cluster_admin: return "cluster-admin";
    default: return std::string(auth::to_string(need.level));
  }
}

}  // namespace

std::optional<net::http_response> authenticate(router_shared& shared, const net::http_request& request,
                                               std::shared_ptr<const auth::token_info>& token) {
  auto header = request.header("Authorization");
  auto found = shared.tokens.authenticate(header ? auth::bearer_secret(*header) : std::string_view{},
                                          auth::wall_clock_ms());
  if (found) {
    token = std::move(*found);
    return std::nullopt;
  }
  spdlog::debug("event=unauthenticated peer={} target=\"{}\" why=\"{}\"", request.remote_address,
                request.target.substr(0, 200), found.error().message);
  auto response = net::error_response(net::http_error::from(found.error()));
  response.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"ropekv\"");
  return response;
}

std::optional<net::http_response> authorize(router_shared& shared, const auth::token_info& token,
                                            const net::api_request& request) {
  for (const auto& need : auth::requirements(request)) {
    if (auth::allows(token.roles, need)) continue;
    return net::error_response(net::http_error::from(
        errc::permission_denied, "token " + token.name + " lacks " + describe(need)));
  }
  double rate = token.rate_limit.value_or(shared.options.token_rate_limit);
  if (uint32_t wait = shared.limiter.admit(token.name, rate, auth::rate_limiter::clock::now())) {
    auto response = net::error_response(net::http_error::from(
        errc::rate_limited, "token " + token.name + " is over its rate of " + std::to_string(rate) +
                                " requests per second"));
    response.headers.emplace_back("Retry-After", std::to_string(wait));
    return response;
  }
  return std::nullopt;
}

}  // namespace ropekv::router
