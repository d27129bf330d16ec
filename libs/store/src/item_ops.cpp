// Put, delete and expire: the mutations that write one version of one item.
// Each reads the item's latest non-void version, evaluates the condition
// against it (expired items count as absent), assigns the next partition
// version and appends one kv_items row carrying the partition's aggregates.
#include <algorithm>
#include <limits>
#include <optional>
#include <variant>

#include "ropekv/keys/key_codec.hpp"
#include "ropekv/keys/partition.hpp"
#include "store_state.hpp"

namespace ropekv::store::detail {
namespace {

using target = item_target;

}  // namespace

pb::MutationResult locked_failure(const lock_row& l, int64_t now_us) {
  auto r = failed(errc::locked, "item's partition is locked by an unresolved transaction");
  *r.mutable_lock() = lock_info(l, now_us);
  return r;
}

result<std::variant<item_target, pb::MutationResult>> resolve_target(
    store_state& s, int64_t now_us, uint32_t table, const std::string& hk, const std::string& rk,
    std::string_view own_txn) {
  using out = std::variant<target, pb::MutationResult>;
  if (hk.size() > max_hash_key_bytes) return out(failed(errc::too_large, "hash key over 2048 bytes"));
  if (rk.size() > max_range_key_bytes) return out(failed(errc::too_large, "range key over 1024 bytes"));
  target t;
  uint16_t partition = keys::partition_of(hk);
  t.key = keys::encode(keys::item_key{table, partition, hk, rk});
  if (!s.in_segment(t.key)) return out(failed(errc::wrong_segment, "key outside this segment"));
  t.tp = make_tp(table, partition);
  // A pending transaction holds the partition: no version may be issued
  // in it until the transaction is resolved (txn_tables.hpp).
  if (const lock_row* l = s.locks.on_partition(t.tp, own_txn)) return out(locked_failure(*l, now_us));
  auto st = s.parts->get(t.tp);
  if (!st) return std::move(st).error();
  t.st = *st;
  auto cur = s.latest(t.key, t.tp, 0);
  if (!cur) return std::move(cur).error();
  t.current = std::move(*cur);
  t.live = t.current && t.current->kind == row_kind::put && visible_at(t.current->expires_ms, now_us);
  return out(std::move(t));
}

std::optional<pb::MutationResult> check_condition(pb::Condition cond, uint64_t expected,
                                                  const item_target& t) {
  switch (cond) {
    case pb::COND_IF_ABSENT:
      if (t.live) return failed(errc::condition_failed, "item exists");
      break;
    case pb::COND_IF_EXISTS:
      if (!t.live) return failed(errc::condition_failed, "item does not exist");
      break;
    case pb::COND_IF_VERSION:
      if (!t.live || t.current->version != expected) {
        return failed(errc::condition_failed, "item version differs from expected_version");
      }
      break;
    default:
      break;
  }
  return std::nullopt;
}

namespace {

// Resolves the item a mutation addresses, or the deterministic failure.
result<std::variant<target, pb::MutationResult>> resolve(store_state& s, const pb::Mutation& m,
                                                         uint32_t table, const std::string& hk,
                                                         const std::string& rk,
                                                         const txn_context& ctx) {
  return resolve_target(s, m.timestamp_us(), table, hk, rk, ctx.txn_id);
}

// Bytes the item's current version contributes (0 for none or a tombstone).
uint64_t current_bytes(const target& t, size_t hk, size_t rk) {
  if (!t.current || t.current->kind != row_kind::put) return 0;
  return item_bytes(hk, rk, t.current->value.size(), t.current->rk2.size());
}

// A transaction's writes take at least its commit version (txn_context).
std::optional<pb::MutationResult> next_version(const target& t, const pb::Mutation& m,
                                               const txn_context& ctx, uint64_t& version) {
  uint64_t ts = m.timestamp_us() > 0 ? static_cast<uint64_t>(m.timestamp_us()) : 0;
  // The commit version was chosen at or above every partition's next
  // version when the locks were taken; the commit's own clock may be later.
  version = std::max(t.st->max_issued + 1, ctx.version_floor != 0 ? ctx.version_floor : ts);
  if (version > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return failed(errc::invalid_argument, "partition version space exhausted");
  }
  return std::nullopt;
}

// Appends the row and moves the partition's cached state along with it.
status insert_row(store_state& s, target& t, version_row& row, const std::string* rk2_key,
                  txn_context& ctx) {
  if (auto r = insert_version_row(*s.db, row, rk2_key); !r) return r;
  s.meta.next_position = row.pos + 1;
  t.st->max_issued = row.version;
  t.st->head = row.version;
  t.st->items = row.p_items;
  t.st->bytes = row.p_bytes;
  ctx.wrote_row = true;
  ctx.last_row_log_index = row.log_index;
  return {};
}

version_row start_row(store_state& s, const target& t, const pb::Mutation& m, uint64_t version,
                      uint64_t log_index, row_kind kind, const txn_context& ctx) {
  version_row row;
  row.txn = ctx.txn_id;
  row.pos = s.meta.next_position;
  row.key = t.key;
  row.version = version;
  row.tp = t.tp;
  row.kind = kind;
  row.ts_us = m.timestamp_us();
  row.log_index = log_index;
  // Create vs update, decided here so every replica reports the same.
  row.prev = t.live ? t.current->version : 0;
  return row;
}

void set_previous(pb::MutationResult& res, const target& t, const pb::Item& addressed) {
  if (!t.live) return;
  *res.mutable_previous() = to_item(*t.current, addressed.hash_key(), addressed.range_key());
  res.set_had_previous(true);
}

// Writes a tombstone for the item (delete or expire).
result<pb::MutationResult> tombstone(store_state& s, target& t, const pb::Mutation& m,
                                     uint64_t log_index, row_kind kind, txn_context& ctx,
                                     const pb::Item& addressed) {
  uint64_t version = 0;
  if (auto f = next_version(t, m, ctx, version)) return *f;
  version_row row = start_row(s, t, m, version, log_index, kind, ctx);
  // An expired item is not live, but its expiry replaces that version.
  if (kind == row_kind::expired) row.prev = t.current->version;
  row.p_items = t.st->items - 1;
  row.p_bytes =
      t.st->bytes - current_bytes(t, addressed.hash_key().size(), addressed.range_key().size());
  pb::MutationResult res;
  set_previous(res, t, addressed);
  if (auto r = insert_row(s, t, row, nullptr, ctx); !r) return std::move(r).error();
  res.set_version(row.version);
  res.set_position(row.pos);
  return res;
}

}  // namespace

result<pb::MutationResult> apply_put(store_state& s, const pb::Mutation& m, uint64_t log_index,
                                     txn_context& ctx) {
  const pb::Put& put = m.put();
  const pb::Item& item = put.item();
  if (item.value().size() > max_value_bytes) return failed(errc::too_large, "value over 400 KiB");
  if (item.has_rk2() && item.rk2().size() > max_rk2_bytes) {
    return failed(errc::too_large, "local index key over 1024 bytes");
  }
  auto r = resolve(s, m, item.table_id(), item.hash_key(), item.range_key(), ctx);
  if (!r) return std::move(r).error();
  if (auto* f = std::get_if<pb::MutationResult>(&*r)) return std::move(*f);
  return apply_put_to(s, m, std::get<target>(*r), log_index, ctx);
}

result<pb::MutationResult> apply_put_to(store_state& s, const pb::Mutation& m, item_target& t,
                                        uint64_t log_index, txn_context& ctx) {
  const pb::Put& put = m.put();
  const pb::Item& item = put.item();
  if (auto f = check_condition(put.condition(), put.expected_version(), t)) return *f;
  uint64_t version = 0;
  if (auto f = next_version(t, m, ctx, version)) return *f;

  version_row row = start_row(s, t, m, version, log_index, row_kind::put, ctx);
  row.value = item.value();
  row.has_rk2 = item.has_rk2();
  if (row.has_rk2) row.rk2 = item.rk2();
  row.expires_ms = item.expires_at_ms() > 0 ? item.expires_at_ms() : 0;
  bool replaces = t.current && t.current->kind == row_kind::put;
  row.p_items = t.st->items + (replaces ? 0 : 1);
  row.p_bytes = t.st->bytes - current_bytes(t, item.hash_key().size(), item.range_key().size()) +
                item_bytes(item.hash_key().size(), item.range_key().size(), row.value.size(),
                           row.rk2.size());
  std::string rk2_key;
  if (row.has_rk2) {
    rk2_key = rk2_index_key(item.table_id(), tp_partition(t.tp), item.hash_key(), row.rk2,
                            item.range_key());
  }
  pb::MutationResult res;
  set_previous(res, t, item);
  if (auto w = insert_row(s, t, row, row.has_rk2 ? &rk2_key : nullptr, ctx); !w) {
    return std::move(w).error();
  }
  // An item already past its expiry sits below the sweep's resume point.
  if (row.expires_ms > 0 && row.expires_ms < s.sweep_floor_ms) s.sweep_floor_ms = row.expires_ms;
  res.set_version(row.version);
  res.set_position(row.pos);
  return res;
}

result<pb::MutationResult> apply_delete(store_state& s, const pb::Mutation& m, uint64_t log_index,
                                        txn_context& ctx) {
  const pb::Delete& del = m.delete_();
  auto r = resolve(s, m, del.table_id(), del.hash_key(), del.range_key(), ctx);
  if (!r) return std::move(r).error();
  if (auto* f = std::get_if<pb::MutationResult>(&*r)) return std::move(*f);
  return apply_delete_to(s, m, std::get<target>(*r), log_index, ctx);
}

result<pb::MutationResult> apply_delete_to(store_state& s, const pb::Mutation& m, item_target& t,
                                           uint64_t log_index, txn_context& ctx) {
  const pb::Delete& del = m.delete_();
  if (auto f = check_condition(del.condition(), del.expected_version(), t)) return *f;
  // Nothing stored (absent or already a tombstone): deleting changes nothing.
  if (!t.current || t.current->kind != row_kind::put) return pb::MutationResult{};
  pb::Item addressed;
  addressed.set_hash_key(del.hash_key());
  addressed.set_range_key(del.range_key());
  return tombstone(s, t, m, log_index, row_kind::deleted, ctx, addressed);
}

result<pb::MutationResult> apply_expire(store_state& s, const pb::Mutation& m, uint64_t log_index,
                                        txn_context& ctx) {
  const pb::Expire& e = m.expire();
  auto r = resolve(s, m, e.table_id(), e.hash_key(), e.range_key(), ctx);
  if (!r) return std::move(r).error();
  if (auto* f = std::get_if<pb::MutationResult>(&*r)) return std::move(*f);
  target& t = std::get<target>(*r);
  // The sweep raced with a write, or the clock of the proposer is behind:
  // only the exact version it saw, expired by now, is removed.
  if (!t.current || t.current->kind != row_kind::put || t.current->version != e.version() ||
      visible_at(t.current->expires_ms, m.timestamp_us())) {
    return failed(errc::condition_failed, "item is not the expired version named");
  }
  pb::Item addressed;
  addressed.set_hash_key(e.hash_key());
  addressed.set_range_key(e.range_key());
  auto res = tombstone(s, t, m, log_index, row_kind::expired, ctx, addressed);
  if (res) {
    // The removed item is expired, so not "live", but watchers want it.
    *res->mutable_previous() = to_item(*t.current, e.hash_key(), e.range_key());
    res->set_had_previous(true);
  }
  return res;
}

}  // namespace ropekv::store::detail
