#include "ropekv/net/request_body.hpp"

#include <initializer_list>
#include <string>

#include <rapidjson/document.h>

#include "ropekv/net/json_body.hpp"
#include "ropekv/net/validation.hpp"

namespace ropekv::net {
namespace {

using rapidjson::Document;
using rapidjson::Value;

http_error bad(std::string message) {
  return http_error::from(errc::invalid_argument, std::move(message));
}

// Parses `body` (checked by normalize_json_object) into a DOM. The normalized
// text is known-valid, so the DOM parse cannot fail.
http_result<Document> parse_object(std::string_view body) {
  auto normalized = normalize_json_object(body);
  if (!normalized) return std::move(normalized).error();
  Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(normalized->json.data(), normalized->json.size());
  if (doc.HasParseError() || !doc.IsObject()) return http_error::invalid_json("unparsable body");
  return doc;
}

http_result<void> only_members(const Value& obj, std::initializer_list<std::string_view> known) {
  for (auto it = obj.MemberBegin(); it != obj.MemberEnd(); ++it) {
    std::string_view name(it->name.GetString(), it->name.GetStringLength());
    bool found = false;
    for (auto k : known) found = found || k == name;
    if (!found) return bad("unknown member '" + printable(name) + "'");
  }
  return {};
}

const Value* member(const Value& obj, const char* name) {
  auto it = obj.FindMember(name);
  if (it == obj.MemberEnd() || it->value.IsNull()) return nullptr;
  return &it->value;
}

http_result<std::string> attribute_name(const Value& v, const char* what) {
  if (!v.IsString()) return bad(std::string(what) + " must be a string");
  std::string_view s(v.GetString(), v.GetStringLength());
  if (s.empty() || s.size() > max_attribute_bytes)
    return bad(std::string(what) + " must be 1..255 bytes");
  return std::string(s);
}

http_result<uint64_t> unsigned_member(const Value& v, const char* what) {
  if (!v.IsUint64()) return bad(std::string(what) + " must be a non-negative integer");
  return v.GetUint64();
}

}  // namespace

http_result<table_spec> parse_table_spec(std::string_view body) {
  auto doc = parse_object(body);
  if (!doc) return std::move(doc).error();
  const Value& obj = *doc;
  if (auto ok = only_members(obj, {"hash_key", "range_key", "local_index", "replication",
                                   "default_ttl", "segments", "strict"});
      !ok)
    return std::move(ok).error();
  table_spec spec;
  const Value* hash_key = member(obj, "hash_key");
  if (!hash_key) return bad("hash_key is required");
  auto hk = attribute_name(*hash_key, "hash_key");
  if (!hk) return std::move(hk).error();
  spec.hash_key = std::move(hk).value();
  if (const Value* v = member(obj, "range_key")) {
    auto rk = attribute_name(*v, "range_key");
    if (!rk) return std::move(rk).error();
    if (*rk == spec.hash_key) return bad("range_key must differ from hash_key");
    spec.range_key = std::move(rk).value();
  }
  if (const Value* v = member(obj, "local_index")) {
    auto li = attribute_name(*v, "local_index");
    if (!li) return std::move(li).error();
    if (!spec.range_key) return bad("local_index needs a range_key");
    if (*li == spec.hash_key || *li == *spec.range_key)
      return bad("local_index must differ from hash_key and range_key");
    spec.local_index = std::move(li).value();
  }
  if (const Value* v = member(obj, "replication")) {
    auto r = unsigned_member(*v, "replication");
    if (!r || (*r != 1 && *r != 3 && *r != 5)) return bad("replication must be 1, 3 or 5");
    spec.replication = static_cast<uint32_t>(*r);
  }
  if (const Value* v = member(obj, "default_ttl")) {
    auto ttl = unsigned_member(*v, "default_ttl");
    if (!ttl) return std::move(ttl).error();
    if (*ttl > max_ttl_seconds)
      return bad("default_ttl exceeds " + std::to_string(max_ttl_seconds) + " s");
    if (*ttl > 0) spec.default_ttl = *ttl;
  }
  if (const Value* v = member(obj, "segments")) {
    auto n = unsigned_member(*v, "segments");
    if (!n || *n < 1 || *n > max_initial_segments)
      return bad("segments must be 1.." + std::to_string(max_initial_segments));
    spec.segments = static_cast<uint32_t>(*n);
  }
  if (const Value* v = member(obj, "strict")) {
    if (!v->IsBool()) return bad("strict must be true or false");
    spec.strict = v->GetBool();
  }
  return spec;
}

http_result<rollback_spec> parse_rollback_spec(std::string_view body) {
  auto doc = parse_object(body);
  if (!doc) return std::move(doc).error();
  if (auto ok = only_members(*doc, {"to_version"}); !ok) return std::move(ok).error();
  const Value* v = member(*doc, "to_version");
  if (!v) return bad("to_version is required");
  auto version = unsigned_member(*v, "to_version");
  if (!version) return std::move(version).error();
  return rollback_spec{*version};
}

http_result<json_object_text> parse_item_body(std::string_view body) {
  if (body.size() > max_item_bytes)
    return http_error::from(errc::too_large, "item is " + std::to_string(body.size()) +
                                                 " bytes; the limit is " +
                                                 std::to_string(max_item_bytes));
  return normalize_json_object(body);
}

}  // namespace ropekv::net
