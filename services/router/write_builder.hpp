#pragma once
// write_builder: client writes -> pb::Mutation. Pure functions.
//
// Local index (rk2): the table's `local_index` names a TOP-LEVEL attribute of
// the item object. Its value is stored as an order-preserving key
// (ropekv/index/index_key.hpp): a number as index::rk2_of_number, so
// numbers sort numerically (9 < 10 < 100, -1 < 2.5); a string as
// index::rk2_of_string (its UTF-8 bytes), after every number. Query bounds
// (from/to with index=local) are encoded alike with index::rk2_bound. An
// item without the attribute, or with null, is not in the index. Any other
// type, or a number beyond a double's range, is 400; an encoded rk2 over
// 1024 bytes is 413. Items returned never show rk2.
//
// TTL: `ttl` (seconds) overrides the table's default_ttl; ttl=0 means
// "never expires" even when the table has a default. expires_at_ms is the
// router's wall clock plus the TTL (the store hides an item from the
// millisecond its expiry is reached).
//
// Conditions: if=absent -> COND_IF_ABSENT, if=exists -> COND_IF_EXISTS,
// if_version=v -> COND_IF_VERSION with expected_version v.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ropekv/net/api_request.hpp"
#include "ropekv/net/http_error.hpp"
#include "ropekv/proto/service.pb.h"
#include "retry_policy.hpp"

namespace ropekv::router {

inline constexpr size_t max_rk2_bytes = 1024;

/// What a put or delete asks for beyond its key.
struct write_params {
  net::write_condition condition = net::write_condition::none;
  std::optional<uint64_t> if_version;
  std::optional<uint64_t> ttl_seconds;  // puts only
  std::optional<std::string> request_id;  // the client's, for de-duplication
};

write_params params_of(const net::api_params& p);

/// rk2 of an item per the rule above; nullopt: not indexed.
net::http_result<std::optional<std::string>> extract_rk2(std::string_view item_json,
                                                         std::string_view attribute);

/// Absolute expiry in ms since the epoch; 0: never expires.
int64_t expires_at_ms(std::optional<uint64_t> ttl_seconds, uint64_t table_default_ttl_s,
                      int64_t now_ms) noexcept;

/// Condition fields for a Put or Delete.
std::pair<pb::Condition, uint64_t> condition_of(const write_params& p) noexcept;

/// A Put of `item_json` (a validated JSON object <= 400 KiB).
net::http_result<pb::Mutation> build_put(const pb::TableSchema& table, std::string hash_key,
                                         std::string range_key, std::string item_json,
                                         const write_params& p, int64_t now_ms);

pb::Mutation build_delete(const pb::TableSchema& table, std::string hash_key,
                          std::string range_key, const write_params& p);

pb::Mutation build_rollback(uint32_t table, uint16_t partition, uint64_t to_version);

/// A write's de-duplication key: "c:" + the client's request_id, or "r:" +
/// 16 random bytes of the router's own (so its own retries are safe).
std::string request_key_of(const std::optional<std::string>& client_request_id);

/// How a write may be retried (retry_policy.hpp). Writes with a
/// request_key (every one the router sends) are idempotent.
op_class op_class_of(const pb::Mutation& m) noexcept;

}  // namespace ropekv::router
