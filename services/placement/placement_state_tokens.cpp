// placement_state: bearer tokens (POST/GET/DELETE /v1/auth/tokens) and the
// bootstrap token of a first start.
#include <spdlog/spdlog.h>

#include <cmath>

#include "placement_state.hpp"
#include "ropekv/auth/roles.hpp"
#include "ropekv/auth/token_secret.hpp"
#include "wire_status.hpp"

namespace ropekv::placement_service {
namespace {

pb::TokenReply token_error(const error& e) {
  pb::TokenReply r;
  *r.mutable_status() = to_status(e);
  return r;
}

// What leaves placement in replies: never the hash.
pb::AuthToken redacted(pb::AuthToken t) {
  t.clear_secret_hash();
  return t;
}

bool valid_name(const std::string& n) {
  if (n.size() < 3 || n.size() > 255) return false;
  for (char c : n)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
          c == '.' || c == '-'))
      return false;
  return true;
}

std::string roles_text(const pb::AuthToken& t) {
  std::string out;
  for (const auto& r : t.roles()) out += (out.empty() ? "" : ",") + r;
  return out;
}

}  // namespace

pb::TokenReply placement_state::create_token(const pb::CreateTokenRequest& req, int64_t wall_ms) {
  const pb::AuthToken& in = req.token();
  auto bad = [](std::string m) { return token_error(make_error(errc::invalid_argument, std::move(m))); };
  if (!valid_name(in.name())) return bad("token name must match [A-Za-z0-9_.-]{3,255}");
  if (auto roles = auth::parse_roles({in.roles().begin(), in.roles().end()}); !roles)
    return token_error(roles.error());
  if (in.expires_ms() < 0 || (in.expires_ms() != 0 && in.expires_ms() <= wall_ms))
    return bad("expires_ms must be in the future (0: never)");
  if (in.has_rate_limit() && (!std::isfinite(in.rate_limit()) || in.rate_limit() < 0))
    return bad("rate_limit must be a number >= 0 (0: unlimited)");
  if (tokens_.count(in.name()))
    return token_error(make_error(errc::already_exists, "token " + in.name() + " exists"));
  auto secret = auth::generate_secret();
  if (!secret) return token_error(secret.error());
  pb::AuthToken t;
  t.set_name(in.name());
  *t.mutable_roles() = in.roles();
  t.set_created_ms(wall_ms);
  t.set_expires_ms(in.expires_ms());
  if (in.has_rate_limit()) t.set_rate_limit(in.rate_limit());
  t.set_secret_hash(auth::hash_secret(*secret));
  if (auto st = db_->put_token(t); !st) return token_error(st.error());
  tokens_[t.name()] = t;
  meta_changed_ = true;
  spdlog::info("event=token_created token={} roles={} expires_ms={}", t.name(), roles_text(t),
               t.expires_ms());
  pb::TokenReply r;
  *r.mutable_token() = redacted(t);
  r.set_secret(*secret);
  return r;
}

pb::TokensReply placement_state::list_tokens() const {
  pb::TokensReply r;
  for (const auto& [name, t] : tokens_) *r.add_tokens() = redacted(t);
  return r;
}

pb::TokenReply placement_state::revoke_token(const pb::RevokeTokenRequest& req) {
  auto it = tokens_.find(req.name());
  if (it == tokens_.end()) return token_error(make_error(errc::not_found, "no token " + req.name()));
  if (auto st = db_->drop_token(req.name()); !st && st.error().code != errc::not_found)
    return token_error(st.error());
  pb::TokenReply r;
  *r.mutable_token() = redacted(it->second);
  tokens_.erase(it);
  meta_changed_ = true;
  spdlog::info("event=token_revoked token={}", req.name());
  return r;
}

status placement_state::load_tokens(int64_t wall_ms) {
  auto stored = db_->tokens();
  if (!stored) return stored.error();
  for (auto& t : *stored) tokens_[t.name()] = std::move(t);
  if (!tokens_.empty() || opt_.bootstrap_token.empty()) return {};
  if (opt_.bootstrap_token.size() < auth::min_secret_bytes)
    return make_error(errc::invalid_argument, "the bootstrap token must have at least " +
                                                  std::to_string(auth::min_secret_bytes) + " characters");
  pb::AuthToken t;
  t.set_name("bootstrap");
  t.add_roles("cluster-admin");
  t.set_created_ms(wall_ms);
  t.set_secret_hash(auth::hash_secret(opt_.bootstrap_token));
  if (auto st = db_->put_token(t); !st) return st;
  tokens_[t.name()] = std::move(t);
  spdlog::info("event=token_created token=bootstrap roles=cluster-admin why=bootstrap");
  return {};
}

}  // namespace ropekv::placement_service
