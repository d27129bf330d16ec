#include "write_builder.hpp"

#include <random>

#include "json_members.hpp"
#include "ropekv/index/index_key.hpp"
#include "ropekv/net/validation.hpp"

namespace ropekv::router {

write_params params_of(const net::api_params& p) {
  return write_params{p.condition, p.if_version, p.ttl_seconds, p.request_id};
}

net::http_result<std::optional<std::string>> extract_rk2(std::string_view item_json,
                                                         std::string_view attribute) {
  if (attribute.empty()) return std::optional<std::string>();
  auto members = object_members(item_json);
  if (!members) return std::move(members).error();
  // Duplicate names: the last one wins, as in every DOM-based reader.
  const json_member* found = nullptr;
  for (const auto& m : *members)
    if (m.name == attribute) found = &m;
  if (!found || found->type == json_type::null) return std::optional<std::string>();
  std::string rk2;
  if (found->type == json_type::number) {
    auto v = index::parse_json_number(found->value);
    if (!v)
      return net::http_error::from(errc::invalid_argument,
                                   "local index attribute '" + net::printable(attribute) +
                                       "' holds a number out of range");
    rk2 = index::rk2_of_number(*v);
  } else if (found->type == json_type::string) {
    auto s = json_string(found->value);
    if (!s) return net::http_error::invalid_json("unreadable string in local index attribute");
    rk2 = index::rk2_of_string(*s);
  } else {
    return net::http_error::from(errc::invalid_argument,
                                 "local index attribute '" + net::printable(attribute) +
                                     "' must be a string or a number");
  }
  if (rk2.size() > max_rk2_bytes)
    return net::http_error::from(errc::too_large, "local index value over " +
                                                      std::to_string(max_rk2_bytes) + " bytes");
  return std::optional<std::string>(std::move(rk2));
}

int64_t expires_at_ms(std::optional<uint64_t> ttl_seconds, uint64_t table_default_ttl_s,
                      int64_t now_ms) noexcept {
  uint64_t ttl = ttl_seconds ? *ttl_seconds : table_default_ttl_s;
  if (ttl == 0) return 0;
  // ttl <= max_ttl_seconds (100 years) keeps this far from overflow.
  return now_ms + static_cast<int64_t>(ttl) * 1000;
}

std::pair<pb::Condition, uint64_t> condition_of(const write_params& p) noexcept {
  if (p.if_version) return {pb::COND_IF_VERSION, *p.if_version};
  switch (p.condition) {
    case net::write_condition::absent: return {pb::COND_IF_ABSENT, 0};
    case net::write_condition::exists: return {pb::COND_IF_EXISTS, 0};
    case net::write_condition::none: break;
  }
  return {pb::COND_NONE, 0};
}

net::http_result<pb::Mutation> build_put(const pb::TableSchema& table, std::string hash_key,
                                         std::string range_key, std::string item_json,
                                         const write_params& p, int64_t now_ms) {
  auto rk2 = extract_rk2(item_json, table.local_index());
  if (!rk2) return std::move(rk2).error();
  pb::Mutation m;
  pb::Put* put = m.mutable_put();
  pb::Item* item = put->mutable_item();
  item->set_table_id(table.id());
  item->set_hash_key(std::move(hash_key));
  item->set_range_key(std::move(range_key));
  item->set_value(std::move(item_json));
  if (*rk2) {
    item->set_rk2(std::move(**rk2));
    item->set_has_rk2(true);
  }
  item->set_expires_at_ms(expires_at_ms(p.ttl_seconds, table.default_ttl_s(), now_ms));
  auto [cond, expected] = condition_of(p);
  put->set_condition(cond);
  put->set_expected_version(expected);
  return m;
}

pb::Mutation build_delete(const pb::TableSchema& table, std::string hash_key,
                          std::string range_key, const write_params& p) {
  pb::Mutation m;
  pb::Delete* d = m.mutable_delete_();
  d->set_table_id(table.id());
  d->set_hash_key(std::move(hash_key));
  d->set_range_key(std::move(range_key));
  auto [cond, expected] = condition_of(p);
  d->set_condition(cond);
  d->set_expected_version(expected);
  return m;
}

pb::Mutation build_rollback(uint32_t table, uint16_t partition, uint64_t to_version) {
  pb::Mutation m;
  pb::Rollback* r = m.mutable_rollback();
  r->set_table_id(table);
  r->set_partition(partition);
  r->set_to_version(to_version);
  return m;
}

std::string request_key_of(const std::optional<std::string>& client_request_id) {
  if (client_request_id) return "c:" + *client_request_id;
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string key = "r:";
  for (int i = 0; i < 2; ++i) {
    uint64_t v = rng();
    key.append(reinterpret_cast<const char*>(&v), sizeof v);
  }
  return key;
}

op_class op_class_of(const pb::Mutation& m) noexcept {
  // De-duplicated writes are safe to repeat whatever their condition.
  if (!m.request_key().empty()) return op_class::idempotent_write;
  pb::Condition c = pb::COND_NONE;
  if (m.has_put()) c = m.put().condition();
  else if (m.has_delete_()) c = m.delete_().condition();
  return c == pb::COND_NONE ? op_class::idempotent_write : op_class::conditional_write;
}

}  // namespace ropekv::router
