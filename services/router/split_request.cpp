#include "split_request.hpp"

#include "json_members.hpp"
#include "ropekv/common/base64.hpp"
#include "ropekv/keys/key_codec.hpp"
#include "ropekv/keys/partition.hpp"
#include "ropekv/net/validation.hpp"

namespace ropekv::router {
namespace {

net::http_error bad(std::string message) {
  return net::http_error::from(errc::invalid_argument, std::move(message));
}

}  // namespace

net::http_result<pb::SplitSegmentRequest> split_request_of(const pb::TableSchema& table, const rope::rope& rope,
                                                           std::string_view json) {
  auto members = object_members(json);
  if (!members) return std::move(members).error();
  std::optional<std::string> hash_key;
  for (const auto& m : *members) {
    bool b64 = m.name == "at_hash_key_base64";
    if (m.name != "at_hash_key" && !b64) return bad("unknown member " + m.name + " (at_hash_key)");
    if (hash_key) return bad("give the split key once");
    auto s = m.type == json_type::string ? json_string(m.value) : std::nullopt;
    if (!s) return bad(m.name + " must be a string");
    if (b64) {
      s = base64_decode(*s, base64_alphabet::standard);
      if (!s) return bad("at_hash_key_base64 is not base64");
    }
    hash_key = std::move(*s);
  }
  if (!hash_key) return bad("a split needs at_hash_key");
  if (auto ok = net::validate_hash_key(*hash_key); !ok) return std::move(ok).error();
  if (rope.empty()) return net::http_error::from(errc::unavailable, "the router has no rope yet");
  std::string at = keys::hash_key_prefix(table.id(), keys::partition_of(*hash_key), *hash_key);
  const auto& seg = rope.get_segment(at);
  pb::SplitSegmentRequest req;
  req.set_segment_id(seg.id.value);
  req.set_epoch(seg.epoch);
  req.set_at_key(std::move(at));
  return req;
}

}  // namespace ropekv::router
