#pragma once
// token_store: the tokens a router or notifier accepts, as placement last
// pushed them (RopeUpdate.tokens), checked on every request.
//
// Who touches it: one writer (the placement link) replaces the whole set;
// any number of HTTP/WebSocket threads authenticate against it without
// locks (an immutable snapshot swapped through an atomic shared pointer,
// like the route table). A revoked token is simply absent from the next
// set, so it stops working the moment that update lands.
//
// Lookup: SHA-256 of the presented secret, found by hash, then confirmed
// with a constant-time comparison. (The map lookup's timing depends on the
// hash of the secret only, which tells an attacker nothing about any
// stored secret.)
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ropekv/auth/roles.hpp"
#include "ropekv/common/result.hpp"
#include "ropekv/proto/auth.pb.h"

namespace ropekv::auth {

/// One accepted token, as a request sees it.
struct token_info {
  std::string name;
  std::vector<role> roles;
  int64_t expires_ms = 0;            // 0: never
  std::optional<double> rate_limit;  // absent: the server's default; 0: unlimited
};

class token_store {
 public:
  token_store();

  /// Replaces every token. Tokens whose roles do not parse or whose hash is
  /// not 32 bytes are left out (placement never stores such); returns how
  /// many were left out.
  size_t replace(const std::vector<pb::AuthToken>& tokens);

  /// The token `secret` belongs to. unauthenticated: empty secret, unknown
  /// (or revoked) secret, or expired at `now_ms` (Unix ms).
  result<std::shared_ptr<const token_info>> authenticate(std::string_view secret,
                                                         int64_t now_ms) const;

  /// Tokens accepted now.
  size_t size() const;

 private:
  struct entry {
    std::string hash;
    std::shared_ptr<const token_info> info;
  };
  using table = std::unordered_map<std::string, entry>;  // by hash
  std::atomic<std::shared_ptr<const table>> current_;
};

/// `now` for authenticate(): the wall clock in Unix milliseconds.
int64_t wall_clock_ms();

}  // namespace ropekv::auth
