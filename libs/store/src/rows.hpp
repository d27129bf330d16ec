#pragma once
// One stored version (a kv_items row) in memory, and its conversions to the
// protobuf types callers see. Column lists are macros so that statements
// stay string literals (the statement cache keys on them).
#include <cstdint>
#include <string>
#include <string_view>

#include "ropekv/common/result.hpp"
#include "ropekv/proto/ropekv.pb.h"
#include "sqlite.hpp"

namespace ropekv::store::detail {

enum class row_kind : int { put = 0, deleted = 1, expired = 2 };

// Column order read by read_row().
#define RKV_ROW_COLS \
  "pos, key, version, tp, kind, value, rk2, expires_ms, ts_us, p_items, p_bytes, log_index, prev," \
  " txn"

struct version_row {
  uint64_t pos = 0;
  std::string key;          // keys::encode(...)
  uint64_t version = 0;
  uint64_t tp = 0;          // table << 16 | partition
  row_kind kind = row_kind::put;
  std::string value;
  bool has_rk2 = false;
  std::string rk2;
  int64_t expires_ms = 0;   // 0: never
  int64_t ts_us = 0;        // timestamp of the mutation that wrote it
  uint64_t p_items = 0;     // partition aggregates after this version
  uint64_t p_bytes = 0;
  uint64_t log_index = 0;
  uint64_t prev = 0;        // visible version this one replaced (0: none), at apply time
  std::string txn;          // id of the transaction that wrote it (empty: none)
};

/// Reads RKV_ROW_COLS starting at column `first`.
version_row read_row(const stmt& q, int first = 0);

inline uint64_t make_tp(uint32_t table, uint16_t partition) {
  return (static_cast<uint64_t>(table) << 16) | partition;
}
inline uint32_t tp_table(uint64_t tp) { return static_cast<uint32_t>(tp >> 16); }
inline uint16_t tp_partition(uint64_t tp) { return static_cast<uint16_t>(tp & 0xFFFF); }

/// TTL visibility: an item with expiry e (ms) is visible strictly before e.
inline bool visible_at(int64_t expires_ms, int64_t now_us) {
  return expires_ms == 0 || now_us < expires_ms * 1000;
}

/// What one live item contributes to its partition's `bytes` aggregate.
inline uint64_t item_bytes(size_t hash_key, size_t range_key, size_t value, size_t rk2) {
  return hash_key + range_key + value + rk2;
}

/// Inserts a kv_items row. rk2_key: the local index key when the caller has
/// it; computed from the row when null and the row has an rk2.
status insert_version_row(database& db, const version_row& row, const std::string* rk2_key);

/// Item of a put row, when the caller already knows hash and range key.
pb::Item to_item(const version_row& row, std::string_view hash_key, std::string_view range_key);
/// Item of a row, decoding the key; errc::corrupt on an undecodable key.
result<pb::Item> to_item(const version_row& row);
/// Change event of a row (kind from the row kind).
result<pb::ChangeEvent> to_event(const version_row& row);

/// Key used by the local index: hash-key prefix, escaped rk2, escaped range
/// key, so that it sorts by (table, partition, hash key, rk2, range key).
std::string rk2_index_key(uint32_t table, uint16_t partition, std::string_view hash_key,
                          std::string_view rk2, std::string_view range_key);

}  // namespace ropekv::store::detail
