#include "ropekv/auth/token_store.hpp"

#include <chrono>

#include "ropekv/auth/token_secret.hpp"

namespace ropekv::auth {

token_store::token_store() : current_(std::make_shared<const table>()) {}

size_t token_store::replace(const std::vector<pb::AuthToken>& tokens) {
  auto next = std::make_shared<table>();
  size_t skipped = 0;
  for (const auto& t : tokens) {
    auto roles = parse_roles({t.roles().begin(), t.roles().end()});
    if (!roles || t.secret_hash().size() != 32) {
      ++skipped;
      continue;
    }
    auto info = std::make_shared<token_info>();
    info->name = t.name();
    info->roles = std::move(*roles);
    info->expires_ms = t.expires_ms();
    if (t.has_rate_limit()) info->rate_limit = t.rate_limit();
    (*next)[t.secret_hash()] = entry{t.secret_hash(), std::move(info)};
  }
  current_.store(std::move(next), std::memory_order_release);
  return skipped;
}

result<std::shared_ptr<const token_info>> token_store::authenticate(std::string_view secret,
                                                                    int64_t now_ms) const {
  if (secret.empty()) return make_error(errc::unauthenticated, "a bearer token is required");
  auto snapshot = current_.load(std::memory_order_acquire);
  std::string hash = hash_secret(secret);
  auto it = snapshot->find(hash);
  if (it == snapshot->end() || !hashes_equal(it->second.hash, hash))
    return make_error(errc::unauthenticated, "unknown or revoked token");
  const auto& info = it->second.info;
  if (info->expires_ms != 0 && now_ms >= info->expires_ms)
    return make_error(errc::unauthenticated, "token " + info->name + " has expired");
  return info;
}

size_t token_store::size() const { return current_.load(std::memory_order_acquire)->size(); }

int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace ropekv::auth
