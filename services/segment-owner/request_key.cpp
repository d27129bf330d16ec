#include "request_key.hpp"

#include "ropekv/keys/key_codec.hpp"

namespace ropekv::segment_owner {

std::optional<std::string> request_key(const pb::GetRequest& req) {
  return keys::encode(keys::make_key(req.table_id(), req.hash_key(), req.range_key()));
}

std::optional<std::string> request_key(const pb::WriteRequest& req) {
  const auto& m = req.mutation();
  if (m.has_put()) {
    const auto& i = m.put().item();
    return keys::encode(keys::make_key(i.table_id(), i.hash_key(), i.range_key()));
  }
  if (m.has_delete_()) {
    const auto& d = m.delete_();
    return keys::encode(keys::make_key(d.table_id(), d.hash_key(), d.range_key()));
  }
  return std::nullopt;
}

std::optional<std::string> request_key(const pb::RangeRequest& req) {
  // By rk2 the range key order says nothing about where the reads land:
  // the hash key's start stands for them.
  std::string from = req.has_from() && !req.by_rk2() ? req.from() : std::string();
  return keys::encode(keys::make_key(req.table_id(), req.hash_key(), std::move(from)));
}

std::optional<std::string> request_key(const pb::ScanRequest& req) {
  if (req.start_key().empty()) return std::nullopt;
  return req.start_key();
}

}  // namespace ropekv::segment_owner
