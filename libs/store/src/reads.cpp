// Read path: get, range (by range key or local index key), scan. Reads see,
// per item, the latest version at or below as_of that no rollback voided,
// and hide tombstones and items expired at read_options.now_us.
//
// A scan at a change-feed position P sees only rows with pos <= P and only
// the rollbacks with pos <= P (loaded from kv_voids for the call: the cache
// holds every void whatever its position), and applies no TTL.
#include <algorithm>
#include <limits>
#include <optional>
#include <unordered_map>

#include "ropekv/keys/key_codec.hpp"
#include "ropekv/keys/partition.hpp"
#include "ropekv/store/segment_store.hpp"
#include "store_state.hpp"

namespace ropekv::store {
namespace {

using detail::row_kind;
using detail::store_state;
using detail::version_row;

constexpr size_t default_limit = 100;
constexpr size_t max_limit = 10000;
constexpr char key_cursor_tag = 'K';
constexpr char rk2_cursor_tag = 'I';

size_t effective_limit(size_t limit) { return limit == 0 ? default_limit : std::min(limit, max_limit); }

// Stored versions a call may step over before it returns a (short) page.
size_t examine_budget(size_t limit) { return std::max<size_t>(4096, limit * 16); }

uint64_t version_upper(uint64_t as_of) {
  constexpr auto top = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  return as_of == 0 ? top : std::min(as_of, top);
}

status check_as_of(const store_state& s, const read_options& o) {
  if (o.as_of != 0 && o.as_of < s.meta.history_floor) {
    return make_error(errc::version_gone, "as_of " + std::to_string(o.as_of) +
                                              " is older than the retained history (" +
                                              std::to_string(s.meta.history_floor) + ")");
  }
  return {};
}

result<std::string> decode_cursor(const std::string& cursor, char tag) {
  if (cursor.empty()) return std::string();
  if (cursor[0] != tag) return make_error(errc::invalid_argument, "cursor from another kind of query");
  return cursor.substr(1);
}

std::string encode_cursor(char tag, std::string_view key) {
  std::string out(1, tag);
  out += key;
  return out;
}

// Bounds [lo, hi) over some sorted key column; hi empty: unbounded.
struct bounds {
  std::string lo;
  std::string hi;
  bool empty() const { return !hi.empty() && lo >= hi; }
};

// Narrows to the segment's keys and applies a cursor (exclusive).
void narrow(bounds& b, const std::string& cursor, bool reverse) {
  if (cursor.empty()) return;
  if (!reverse) {
    std::string next = cursor + '\0';  // smallest key after the cursor
    if (next > b.lo) b.lo = std::move(next);
  } else if (b.hi.empty() || cursor < b.hi) {
    b.hi = cursor;
  }
}

void clamp_to_segment(bounds& b, const store_state& s) {
  if (s.meta.seg.start_key > b.lo) b.lo = s.meta.seg.start_key;
  const auto& end = s.meta.seg.end_key;
  if (!end.empty() && (b.hi.empty() || end < b.hi)) b.hi = end;
}

// Which versions are void for a read: those of the cache (every rollback
// applied), or, for a read at a feed position, those of the rollbacks at or
// below it.
class void_view {
 public:
  explicit void_view(const detail::partition_cache& cache) : cache_(&cache) {}

  static result<void_view> at_position(store_state& s, uint64_t position) {
    void_view v(*s.parts);
    v.only_ = std::unordered_map<uint64_t, detail::void_set>();
    auto q = s.db->prepare("SELECT tp, lo, hi FROM kv_voids WHERE pos<=?1");
    if (!q) return std::move(q).error();
    q->bind_u64(1, position);
    for (;;) {
      auto row = q->step();
      if (!row) return std::move(row).error();
      if (!*row) break;
      (*v.only_)[q->u64(0)].add(q->u64(1), q->u64(2));
    }
    return v;
  }

  bool is_void(uint64_t tp, uint64_t version) const {
    if (!only_) return cache_->is_void(tp, version);
    auto it = only_->find(tp);
    return it != only_->end() && it->second.contains(version);
  }

 private:
  const detail::partition_cache* cache_;
  std::optional<std::unordered_map<uint64_t, detail::void_set>> only_;
};

// Walks rows grouped by a sort key (column 0, then RKV_ROW_COLS), versions
// newest first in forward order and oldest first in reverse order, and hands
// each group's visible version (latest non-void) to `emit`.
template <class Emit>
result<std::string> walk_groups(const void_view& voids, detail::stmt& q, bool reverse, size_t limit,
                                size_t& emitted, Emit&& emit) {
  std::string group;
  bool in_group = false;
  std::optional<version_row> best;
  size_t examined = 0;
  auto close_group = [&]() -> status {
    if (in_group && best) {
      auto r = emit(group, *best);
      if (!r) return r;
    }
    best.reset();
    return {};
  };
  for (;;) {
    auto row = q.step();
    if (!row) return std::move(row).error();
    if (!*row) break;
    std::string_view key = q.blob(0);
    if (!in_group || key != group) {
      if (auto r = close_group(); !r) return std::move(r).error();
      if (in_group && (emitted >= limit || examined >= examine_budget(limit))) {
        return group;  // resume after the group just closed
      }
      group.assign(key);
      in_group = true;
    }
    ++examined;
    uint64_t tp = q.u64(4), version = q.u64(3);
    if (voids.is_void(tp, version)) continue;
    if (!reverse && best) continue;  // forward: the first non-void is the newest
    best = detail::read_row(q, 1);
  }
  if (auto r = close_group(); !r) return std::move(r).error();
  return std::string();
}

bool visible_put(const version_row& r, const read_options& o) {
  return r.kind == row_kind::put && detail::visible_at(r.expires_ms, o.now_us);
}

// Rows by item key over [b.lo, b.hi); the cursor is the last item key.
// position != 0: only rows at or below that change-feed position, with
// `voids` limited alike.
result<page> key_walk(store_state& s, bounds b, bool reverse, size_t limit, const read_options& o,
                      const void_view& voids, uint64_t position = 0) {
  page out;
  if (b.empty()) return out;
  const char* sql = nullptr;
  if (b.hi.empty()) {
    sql = reverse ? "SELECT key, " RKV_ROW_COLS " FROM kv_items WHERE key>=?1 AND version<=?3"
                    " AND pos<=?4 ORDER BY key DESC, version"
                  : "SELECT key, " RKV_ROW_COLS " FROM kv_items WHERE key>=?1 AND version<=?3"
                    " AND pos<=?4 ORDER BY key, version DESC";
  } else {
    sql = reverse ? "SELECT key, " RKV_ROW_COLS " FROM kv_items WHERE key>=?1 AND key<?2"
                    " AND version<=?3 AND pos<=?4 ORDER BY key DESC, version"
                  : "SELECT key, " RKV_ROW_COLS " FROM kv_items WHERE key>=?1 AND key<?2"
                    " AND version<=?3 AND pos<=?4 ORDER BY key, version DESC";
  }
  auto q = s.db->prepare(sql);
  if (!q) return std::move(q).error();
  q->bind_blob(1, b.lo).bind_u64(3, version_upper(o.as_of)).bind_u64(4, version_upper(position));
  if (!b.hi.empty()) q->bind_blob(2, b.hi);
  size_t emitted = 0;
  auto next = walk_groups(voids, *q, reverse, limit, emitted,
                          [&](const std::string&, const version_row& r) -> status {
                            if (!visible_put(r, o)) return {};
                            auto item = detail::to_item(r);
                            if (!item) return std::move(item).error();
                            out.items.push_back(std::move(*item));
                            ++emitted;
                            return {};
                          });
  if (!next) return std::move(next).error();
  if (!next->empty()) out.next_cursor = encode_cursor(key_cursor_tag, *next);
  return out;
}

// Rows by local index key; each candidate is checked against the item's
// visible version (older versions keep their old rk2 in the index).
result<page> rk2_walk(store_state& s, bounds b, bool reverse, size_t limit, const read_options& o,
                      std::string_view hk, std::string_view seg_lo, std::string_view seg_hi) {
  page out;
  if (b.empty()) return out;
  auto q = s.db->prepare(
      reverse ? "SELECT rk2_key, " RKV_ROW_COLS " FROM kv_items WHERE rk2_key>=?1 AND rk2_key<?2"
                " AND version<=?3 ORDER BY rk2_key DESC, version"
              : "SELECT rk2_key, " RKV_ROW_COLS " FROM kv_items WHERE rk2_key>=?1 AND rk2_key<?2"
                " AND version<=?3 ORDER BY rk2_key, version DESC");
  if (!q) return std::move(q).error();
  q->bind_blob(1, b.lo).bind_blob(2, b.hi).bind_u64(3, version_upper(o.as_of));
  size_t emitted = 0;
  auto next = walk_groups(void_view(*s.parts), *q, reverse, limit, emitted,
                          [&](const std::string&, const version_row& r) -> status {
                            if (r.key < seg_lo || (!seg_hi.empty() && r.key >= seg_hi)) return {};
                            auto cur = s.latest(r.key, r.tp, o.as_of);
                            if (!cur) return std::move(cur).error();
                            if (!*cur || (*cur)->version != r.version || !visible_put(**cur, o)) {
                              return {};
                            }
                            auto k = keys::decode(r.key);
                            if (!k) return std::move(k).error();
                            out.items.push_back(detail::to_item(**cur, hk, k->range_key));
                            ++emitted;
                            return {};
                          });
  if (!next) return std::move(next).error();
  if (!next->empty()) out.next_cursor = encode_cursor(rk2_cursor_tag, *next);
  return out;
}

}  // namespace

result<pb::Item> segment_store::get(uint32_t table, std::string_view hk, std::string_view rk,
                                    const read_options& opts) {
  auto& s = *s_;
  if (hk.size() > max_hash_key_bytes) return make_error(errc::too_large, "hash key over 2048 bytes");
  if (rk.size() > max_range_key_bytes) return make_error(errc::too_large, "range key over 1024 bytes");
  if (auto r = check_as_of(s, opts); !r) return std::move(r).error();
  uint16_t partition = keys::partition_of(hk);
  std::string key = keys::encode(keys::item_key{table, partition, std::string(hk), std::string(rk)});
  if (!s.in_segment(key)) return make_error(errc::wrong_segment, "key outside this segment");
  auto row = s.latest(key, detail::make_tp(table, partition), opts.as_of);
  if (!row) return std::move(row).error();
  if (!*row || !visible_put(**row, opts)) return make_error(errc::not_found, "no such item");
  return detail::to_item(**row, hk, rk);
}

result<page> segment_store::range(const range_query& q) {
  auto& s = *s_;
  if (q.hash_key.size() > max_hash_key_bytes) {
    return make_error(errc::too_large, "hash key over 2048 bytes");
  }
  if (auto r = check_as_of(s, q.read); !r) return std::move(r).error();
  std::string hkp = keys::hash_key_prefix(q.table, keys::partition_of(q.hash_key), q.hash_key);
  auto cursor = decode_cursor(q.cursor, q.by_rk2 ? rk2_cursor_tag : key_cursor_tag);
  if (!cursor) return std::move(cursor).error();
  if (!cursor->empty() && cursor->compare(0, hkp.size(), hkp) != 0) {
    return make_error(errc::invalid_argument, "cursor belongs to another hash key");
  }
  bounds b;
  b.lo = hkp;
  if (q.from) keys::append_escaped(b.lo, *q.from);
  b.hi = hkp;
  if (q.to) keys::append_escaped(b.hi, *q.to); else b.hi = keys::prefix_end(hkp);
  narrow(b, *cursor, q.reverse);
  // The segment covers part of the hash key at least? (splits may cut it)
  bounds whole{hkp, keys::prefix_end(hkp)};
  clamp_to_segment(whole, s);
  if (whole.empty()) return make_error(errc::wrong_segment, "hash key outside this segment");
  size_t limit = effective_limit(q.limit);
  if (q.by_rk2) {
    return rk2_walk(s, std::move(b), q.reverse, limit, q.read, q.hash_key, s.meta.seg.start_key,
                    s.meta.seg.end_key);
  }
  clamp_to_segment(b, s);
  return key_walk(s, std::move(b), q.reverse, limit, q.read, void_view(*s.parts));
}

result<uint64_t> segment_store::count_keys(std::string_view start, std::string_view end) {
  auto& s = *s_;
  bounds b{std::string(start), std::string(end)};
  clamp_to_segment(b, s);
  if (b.empty()) return uint64_t{0};
  auto q = s.db->prepare(b.hi.empty() ? "SELECT COUNT(DISTINCT key) FROM kv_items WHERE key>=?1"
                                      : "SELECT COUNT(DISTINCT key) FROM kv_items WHERE key>=?1 AND key<?2");
  if (!q) return std::move(q).error();
  q->bind_blob(1, b.lo);
  if (!b.hi.empty()) q->bind_blob(2, b.hi);
  auto row = q->step();
  if (!row) return std::move(row).error();
  return *row ? q->u64(0) : uint64_t{0};
}

result<page> segment_store::scan(const scan_query& q) {
  auto& s = *s_;
  if (auto r = check_as_of(s, q.read); !r) return std::move(r).error();
  auto cursor = decode_cursor(q.cursor, key_cursor_tag);
  if (!cursor) return std::move(cursor).error();
  bounds b{q.start, q.end};
  narrow(b, *cursor, false);
  clamp_to_segment(b, s);
  if (q.at_position == 0) {
    return key_walk(s, std::move(b), false, effective_limit(q.limit), q.read, void_view(*s.parts));
  }
  if (q.at_position > last_position()) {
    return make_error(errc::unavailable, "position " + std::to_string(q.at_position) +
                                             " not applied yet (last " +
                                             std::to_string(last_position()) + ")");
  }
  uint64_t floor = std::max(s.meta.feed_floor, s.scan_floor);
  if (q.at_position < floor) {
    return make_error(errc::version_gone, "position " + std::to_string(q.at_position) +
                                              " is older than the compacted history (" +
                                              std::to_string(floor) + "); scan again");
  }
  auto voids = void_view::at_position(s, q.at_position);
  if (!voids) return std::move(voids).error();
  read_options o = q.read;
  o.now_us = std::numeric_limits<int64_t>::min();  // no TTL: the feed expires items later
  return key_walk(s, std::move(b), false, effective_limit(q.limit), o, *voids, q.at_position);
}

}  // namespace ropekv::store
