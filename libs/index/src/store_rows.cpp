// Row-level changes of an index file. Every function here runs inside the
// caller's transaction and keeps counters.entries and (unique indexes)
// counters.unique_violations exact incrementally, so no count query over
// the whole index is ever needed.
#include <optional>

#include "ropekv/keys/key_codec.hpp"
#include "store_state.hpp"

namespace ropekv::index::detail {
namespace {

struct base_entry {
  uint64_t version = 0;
  std::optional<std::string> ikey;
};

result<std::optional<base_entry>> read_base(store_state& s, const std::string& pk) {
  auto q = s.db->prepare("SELECT version, ikey FROM ix_base WHERE pk = ?");
  if (!q) return std::move(q).error();
  q->bind_blob(1, pk);
  auto row = q->step();
  if (!row) return std::move(row).error();
  if (!*row) return std::optional<base_entry>{};
  base_entry b;
  b.version = q->u64(0);
  if (!q->is_null(1)) b.ikey = std::string(q->blob(1));
  return std::optional<base_entry>{std::move(b)};
}

// Rows under `ikey`, counted up to 2: all the unique check needs to know.
result<int64_t> rows_under(store_state& s, const std::string& ikey) {
  auto q = s.db->prepare("SELECT COUNT(*) FROM (SELECT 1 FROM ix_rows WHERE ikey = ? LIMIT 2)");
  if (!q) return std::move(q).error();
  q->bind_blob(1, ikey);
  auto row = q->step();
  if (!row) return std::move(row).error();
  return q->i64(0);
}

status delete_row(store_state& s, const std::string& ikey, const std::string& pk) {
  {
    auto q = s.db->prepare("DELETE FROM ix_rows WHERE ikey = ? AND pk = ?");
    if (!q) return std::move(q).error();
    q->bind_blob(1, ikey).bind_blob(2, pk);
    if (auto r = q->run(); !r) return r;
  }
  if (s.db->changes() == 0) return {};
  --s.counters.entries;
  if (s.spec.unique()) {
    auto left = rows_under(s, ikey);
    if (!left) return std::move(left).error();
    if (*left == 1) --s.counters.unique_violations;  // 2 -> 1: no longer shared
  }
  return {};
}

status insert_row(store_state& s, const std::string& ikey, const std::string& pk, const pb::Item& item,
                  uint64_t version) {
  int64_t before = 0;
  if (s.spec.unique()) {
    auto n = rows_under(s, ikey);
    if (!n) return std::move(n).error();
    before = *n;
  }
  // What a query returns: keys, version and expiry, and the value only when
  // the projection says so. rk2 is the base table's business.
  pb::Item row;
  row.set_table_id(item.table_id());
  row.set_hash_key(item.hash_key());
  row.set_range_key(item.range_key());
  row.set_version(version);
  row.set_expires_at_ms(item.expires_at_ms());
  if (s.spec.projection() == pb::PROJECT_ALL) row.set_value(item.value());

  auto q = s.db->prepare("INSERT INTO ix_rows(ikey, pk, version, expires_ms, item) VALUES(?, ?, ?, ?, ?)");
  if (!q) return std::move(q).error();
  q->bind_blob(1, ikey).bind_blob(2, pk).bind_u64(3, version).bind(4, item.expires_at_ms());
  q->bind_blob(5, row.SerializeAsString());
  if (auto r = q->run(); !r) return r;
  ++s.counters.entries;
  if (before == 1) ++s.counters.unique_violations;  // 1 -> 2: now shared
  return {};
}

}  // namespace

std::string base_key(uint32_t table, uint32_t partition, const pb::Item& item) {
  return keys::encode(keys::item_key{table, static_cast<uint16_t>(partition), item.hash_key(), item.range_key()});
}

status apply_put(store_state& s, const std::string& pk, const pb::Item& item, uint64_t version) {
  auto base = read_base(s, pk);
  if (!base) return std::move(base).error();
  if (*base && (*base)->version >= version) return {};  // a replay or an older write
  if (*base && (*base)->ikey) {
    if (auto r = delete_row(s, *(*base)->ikey, pk); !r) return r;
  }
  auto ikey = extract_key(item.value(), s.attribute, s.spec.type());
  if (ikey) {
    if (auto r = insert_row(s, *ikey, pk, item, version); !r) return r;
  }
  // Remembered even when not indexed: the version guard still applies.
  auto q = s.db->prepare("INSERT OR REPLACE INTO ix_base(pk, version, ikey) VALUES(?, ?, ?)");
  if (!q) return std::move(q).error();
  q->bind_blob(1, pk).bind_u64(2, version);
  if (ikey) q->bind_blob(3, *ikey); else q->bind_null(3);
  return q->run();
}

status apply_removal(store_state& s, const std::string& pk, uint64_t version) {
  auto base = read_base(s, pk);
  if (!base) return std::move(base).error();
  if (!*base) return {};  // never indexed: nothing to remove
  if ((*base)->version >= version) return {};
  if ((*base)->ikey) {
    if (auto r = delete_row(s, *(*base)->ikey, pk); !r) return r;
  }
  auto q = s.db->prepare("DELETE FROM ix_base WHERE pk = ?");
  if (!q) return std::move(q).error();
  q->bind_blob(1, pk);
  return q->run();
}

status remove_range(store_state& s, const std::string& start, const std::string& end) {
  {
    // Rows are deleted while stepping over base: another table, so the
    // pending SELECT is unaffected.
    auto q = s.db->prepare(end.empty() ? "SELECT pk, ikey FROM ix_base WHERE pk >= ? AND ikey IS NOT NULL"
                                       : "SELECT pk, ikey FROM ix_base WHERE pk >= ? AND pk < ? AND ikey IS NOT NULL");
    if (!q) return std::move(q).error();
    q->bind_blob(1, start);
    if (!end.empty()) q->bind_blob(2, end);
    while (true) {
      auto row = q->step();
      if (!row) return std::move(row).error();
      if (!*row) break;
      if (auto r = delete_row(s, std::string(q->blob(1)), std::string(q->blob(0))); !r) return r;
    }
  }
  auto q = s.db->prepare(end.empty() ? "DELETE FROM ix_base WHERE pk >= ?"
                                     : "DELETE FROM ix_base WHERE pk >= ? AND pk < ?");
  if (!q) return std::move(q).error();
  q->bind_blob(1, start);
  if (!end.empty()) q->bind_blob(2, end);
  return q->run();
}

}  // namespace ropekv::index::detail
