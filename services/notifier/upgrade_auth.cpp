#include "upgrade_auth.hpp"

#include <spdlog/spdlog.h>

#include "ropekv/auth/token_secret.hpp"
#include "ropekv/net/http_error.hpp"
#include "ropekv/net/percent_decode.hpp"

namespace ropekv::notifier {

std::string upgrade_secret(const notify::upgrade_request& request) {
  if (auto bearer = auth::bearer_secret(request.authorization); !bearer.empty()) return std::string(bearer);
  auto split = net::split_request_target(request.target);
  if (!split) return {};
  auto pairs = net::parse_query(split->query);
  if (!pairs) return {};
  for (auto& [name, value] : *pairs)
    if (name == "token") return value;
  return {};
}

std::optional<notify::http_reply> check_upgrade(const auth::token_store& tokens,
                                                const notify::upgrade_request& request) {
  auto found = tokens.authenticate(upgrade_secret(request), auth::wall_clock_ms());
  if (found) return std::nullopt;
  spdlog::info("event=ws_unauthenticated remote={} why=\"{}\"", request.remote, found.error().message);
  auto err = net::http_error::from(found.error());
  return notify::http_reply{err.status, "application/json", net::error_body(err)};
}

}  // namespace ropekv::notifier
