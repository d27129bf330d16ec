#include "txn_plan.hpp"

#include <rapidjson/document.h>

#include <algorithm>

#include "ropekv/keys/key_codec.hpp"
#include "ropekv/keys/partition.hpp"

namespace ropekv::bench::transact {

std::optional<std::string> hex_decode(std::string_view hex) {
  if (hex.size() % 2) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

std::string rope_prefix(uint32_t table_id, std::string_view hash_key) {
  return keys::hash_key_prefix(table_id, keys::partition_of(hash_key), hash_key);
}

segment_map::segment_map(uint32_t table_id, std::vector<segment_range> segments)
    : table_id_(table_id), segments_(std::move(segments)) {
  std::sort(segments_.begin(), segments_.end(),
            [](const segment_range& a, const segment_range& b) { return a.start < b.start; });
}

int segment_map::segment_of(std::string_view hash_key) const {
  const std::string k = rope_prefix(table_id_, hash_key);
  // The last segment starting at or below k (std::string compares bytes unsigned).
  auto it = std::upper_bound(segments_.begin(), segments_.end(), k,
                             [](const std::string& key, const segment_range& s) { return key < s.start; });
  if (it == segments_.begin()) return -1;
  --it;
  if (!it->end.empty() && !(k < it->end)) return -1;
  return static_cast<int>(it - segments_.begin());
}

std::string segment_map::check() const {
  if (segments_.empty()) return "the table has no segment";
  for (size_t i = 0; i + 1 < segments_.size(); ++i)
    if (segments_[i].end != segments_[i + 1].start)
      return "segments " + std::to_string(segments_[i].id) + " and " + std::to_string(segments_[i + 1].id) +
             " are not contiguous";
  return {};
}

key_source::key_source(const segment_map& map, std::string prefix, uint64_t key_space, uint64_t seed)
    : map_(&map), prefix_(std::move(prefix)), rng_(seed) {
  if (key_space == 0) return;
  pools_.resize(map.size());
  for (uint64_t i = 0; i < key_space; ++i) {
    std::string k = "k" + std::to_string(i);
    int s = map.segment_of(k);
    if (s >= 0) pools_[static_cast<size_t>(s)].push_back(std::move(k));
  }
}

std::string key_source::key_in(size_t segment) {
  if (!pools_.empty()) {
    const auto& pool = pools_.at(segment);
    if (pool.empty()) return {};
    return pool[std::uniform_int_distribution<size_t>(0, pool.size() - 1)(rng_)];
  }
  // Expected map.size() candidates per key; bounded so that a segment that
  // holds no key of this shape cannot spin for ever.
  for (int i = 0; i < 1'000'000; ++i) {
    std::string k = prefix_ + std::to_string(next_++);
    ++tried_;
    if (map_->segment_of(k) == static_cast<int>(segment)) return k;
  }
  return {};
}

std::vector<size_t> segments_for(uint64_t seq, unsigned span, size_t segments) {
  std::vector<size_t> out;
  if (segments == 0) return out;
  for (unsigned j = 0; j < span && j < segments; ++j) out.push_back((seq + j) % segments);
  return out;
}

std::string item_body(unsigned bytes) {
  // {"v":"…"} is 8 bytes of JSON around the value.
  const size_t fill = bytes > 8 ? bytes - 8 : 0;
  return "{\"v\":\"" + std::string(fill, 'x') + "\"}";
}

std::string txn_body(std::string_view table, const std::vector<std::string>& hash_keys, std::string_view item,
                     std::string_view request_id) {
  std::string out = "{";
  if (!request_id.empty()) {
    out += "\"request_id\":\"";
    out += request_id;
    out += "\",";
  }
  out += "\"ops\":[";
  for (size_t i = 0; i < hash_keys.size(); ++i) {
    if (i) out += ',';
    // Bench keys and table names are plain ASCII: no JSON escaping needed.
    out += "{\"put\":{\"table\":\"";
    out += table;
    out += "\",\"hash_key\":\"";
    out += hash_keys[i];
    out += "\",\"item\":";
    out += item;
    out += "}}";
  }
  out += "]}";
  return out;
}

txn_check check_txn_answer(unsigned status, std::string_view body, size_t ops, std::string_view table) {
  txn_check out;
  auto fail = [&](std::string why) {
    out.problem = "HTTP " + std::to_string(status) + ": " + std::move(why) + ": " +
                  std::string(body.substr(0, 200));
    return out;
  };
  if (status != 200) return fail("not 200");
  rapidjson::Document d;
  d.Parse(body.data(), body.size());
  if (d.HasParseError() || !d.IsObject()) return fail("not a JSON object");
  if (!d.HasMember("version") || !d["version"].IsUint64() || d["version"].GetUint64() == 0)
    return fail("no version");
  if (!d.HasMember("deduplicated") || !d["deduplicated"].IsBool() || d["deduplicated"].GetBool())
    return fail("deduplicated is not false");
  if (!d.HasMember("ops") || !d["ops"].IsArray() || d["ops"].Size() != ops)
    return fail("not " + std::to_string(ops) + " ops");
  txn_answer a;
  a.version = d["version"].GetUint64();
  for (const auto& op : d["ops"].GetArray()) {
    if (!op.IsObject() || !op.HasMember("op") || !op["op"].IsString() || std::string_view(op["op"].GetString()) != "put")
      return fail("an op is not a put");
    if (!op.HasMember("table") || !op["table"].IsString() || std::string_view(op["table"].GetString()) != table)
      return fail("an op names another table");
    if (!op.HasMember("version")) {
      ++a.ops_without_version;
      a.op_versions.push_back(a.version);
      continue;
    }
    if (!op["version"].IsUint64() || op["version"].GetUint64() < a.version)
      return fail("an op's version is below the transaction's");
    a.op_versions.push_back(op["version"].GetUint64());
  }
  out.answer = std::move(a);
  return out;
}

std::optional<uint64_t> item_version(unsigned status, std::string_view body) {
  if (status != 200) return std::nullopt;
  rapidjson::Document d;
  d.Parse(body.data(), body.size());
  if (d.HasParseError() || !d.IsObject() || !d.HasMember("item") || !d["item"].IsObject()) return std::nullopt;
  if (!d.HasMember("version") || !d["version"].IsUint64()) return std::nullopt;
  return d["version"].GetUint64();
}

std::optional<uint64_t> put_version(unsigned status, std::string_view body) {
  if (status < 200 || status > 299) return std::nullopt;
  rapidjson::Document d;
  d.Parse(body.data(), body.size());
  if (d.HasParseError() || !d.IsObject() || !d.HasMember("version") || !d["version"].IsUint64() ||
      d["version"].GetUint64() == 0)
    return std::nullopt;
  return d["version"].GetUint64();
}

}  // namespace ropekv::bench::transact
