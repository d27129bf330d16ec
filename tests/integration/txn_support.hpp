#pragma once
// Helpers shared by the transaction tests (transact_test, bank_test):
// JSON text for POST /v1/transact ops, reading its answers, and a client
// that retries one request with its request_id until the outcome is known.
// Header-only; no state shared between threads.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "http_client.hpp"

namespace ropekv::integration::txn {

/// A JSON string literal (quotes included) for printable ASCII keys.
inline std::string json_quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

/// One op of a transaction: {"<kind>":{"table":…,"hash_key":…,<extra>}}.
/// `extra` is a JSON member list without braces (`"item":{…},"if":"absent"`).
inline std::string op(const std::string& kind, const std::string& table, const std::string& hash_key,
                      const std::string& extra = {}) {
  std::string s = "{" + json_quote(kind) + ":{\"table\":" + json_quote(table) + ",\"hash_key\":" + json_quote(hash_key);
  if (!extra.empty()) s += "," + extra;
  return s + "}}";
}

inline std::string body(const std::vector<std::string>& ops, const std::string& request_id = {}) {
  std::string s = "{";
  if (!request_id.empty()) s += "\"request_id\":" + json_quote(request_id) + ",";
  s += "\"ops\":[";
  for (size_t i = 0; i < ops.size(); ++i) s += (i ? "," : "") + ops[i];
  return s + "]}";
}

inline std::string item_path(const std::string& table, const std::string& hash_key) {
  return "/v1/tables/" + table + "/items/" + url_escape(hash_key);
}

/// A strong single-item read: (version, item JSON document) or nullopt on 404.
struct item_read {
  unsigned status = 0;
  uint64_t version = 0;
  rapidjson::Document item;  // the "item" member's value (Null when absent)
};

inline item_read strong_get(http_client& c, const std::string& table, const std::string& hash_key) {
  item_read out;
  auto r = c.get(item_path(table, hash_key) + "?consistency=strong");
  out.status = r.status;
  if (r.status != 200) return out;
  auto d = r.json();
  if (!d.IsObject() || !d.HasMember("version")) return out;
  out.version = d["version"].GetUint64();
  out.item.CopyFrom(d["item"], out.item.GetAllocator());
  return out;
}

/// A unique request id: <prefix>-<random>-<counter>.
class request_ids {
 public:
  explicit request_ids(std::string prefix) : prefix_(std::move(prefix)) {
    std::random_device rd;
    salt_ = std::to_string((uint64_t{rd()} << 32) | rd());
  }
  std::string next() { return prefix_ + "-" + salt_ + "-" + std::to_string(n_++); }

 private:
  std::string prefix_;
  std::string salt_;
  uint64_t n_ = 0;
};

/// Whether an answer tells the outcome of a write: 0 (no answer), 5xx and
/// a 409 "conflict" on a plain write don't; a transaction's 409 conflict
/// means nothing was written (it lost before commit).
inline bool outcome_known(const http_reply& r) { return r.status != 0 && r.status < 500; }

}  // namespace ropekv::integration::txn
