#include "partitions.hpp"

#include <algorithm>
#include <limits>

#include "ropekv/keys/key_codec.hpp"
#include "rows.hpp"

namespace ropekv::store::detail {

constexpr int64_t version_max = std::numeric_limits<int64_t>::max();

// ------------------------------------------------------------- void_set

void void_set::add(uint64_t lo, uint64_t hi) {
  if (hi <= lo) return;
  std::vector<std::pair<uint64_t, uint64_t>> out;
  out.reserve(ranges_.size() + 1);
  bool placed = false;
  for (auto [a, b] : ranges_) {
    if (b < lo || a > hi) {  // disjoint, not even touching
      if (!placed && a > hi) {
        out.emplace_back(lo, hi);
        placed = true;
      }
      out.emplace_back(a, b);
    } else {
      lo = std::min(lo, a);
      hi = std::max(hi, b);
    }
  }
  if (!placed) out.emplace_back(lo, hi);
  std::sort(out.begin(), out.end());
  ranges_ = std::move(out);
}

std::optional<uint64_t> void_set::containing(uint64_t v) const {
  // First range whose hi >= v; it contains v when lo < v.
  auto it = std::lower_bound(ranges_.begin(), ranges_.end(), v,
                             [](const auto& r, uint64_t x) { return r.second < x; });
  if (it != ranges_.end() && it->first < v && v <= it->second) return it->first;
  return std::nullopt;
}

// ------------------------------------------------------ partition_cache

status partition_cache::load_voids() {
  voids_.clear();
  auto q = db_.prepare("SELECT tp, lo, hi FROM kv_voids");
  if (!q) return std::move(q).error();
  for (;;) {
    auto row = q->step();
    if (!row) return std::move(row).error();
    if (!*row) break;
    voids_[q->u64(0)].add(q->u64(1), q->u64(2));
  }
  return {};
}

void partition_cache::clear() {
  states_.clear();
  voids_.clear();
}

const void_set* partition_cache::voids(uint64_t tp) const {
  auto it = voids_.find(tp);
  return it == voids_.end() ? nullptr : &it->second;
}

bool partition_cache::is_void(uint64_t tp, uint64_t version) const {
  if (voids_.empty()) return false;
  auto* v = voids(tp);
  return v != nullptr && v->contains(version);
}

void partition_cache::add_void(uint64_t tp, uint64_t lo, uint64_t hi) { voids_[tp].add(lo, hi); }

result<partition_state*> partition_cache::get(uint64_t tp) {
  auto it = states_.find(tp);
  if (it != states_.end()) return &it->second;
  partition_state st;
  {
    auto q = db_.prepare(
        "SELECT max_issued, base_version, base_items, base_bytes FROM kv_partitions WHERE tp=?1");
    if (!q) return std::move(q).error();
    q->bind_u64(1, tp);
    auto row = q->step();
    if (!row) return std::move(row).error();
    if (*row) {
      st.max_issued = q->u64(0);
      st.base_version = q->u64(1);
      st.base_items = q->u64(2);
      st.base_bytes = q->u64(3);
    }
  }
  {
    auto q = db_.prepare("SELECT max(version) FROM kv_items WHERE tp=?1");
    if (!q) return std::move(q).error();
    q->bind_u64(1, tp);
    auto row = q->step();
    if (!row) return std::move(row).error();
    if (*row && !q->is_null(0)) st.max_issued = std::max(st.max_issued, q->u64(0));
  }
  st.max_issued = std::max(st.max_issued, st.base_version);
  // A rollback records max_issued only in its void range's upper end.
  if (auto* vs = voids(tp); vs != nullptr && vs->size() > 0) {
    st.max_issued = std::max(st.max_issued, vs->ranges().back().second);
  }
  auto stats = stats_at(tp, static_cast<uint64_t>(version_max), st);
  if (!stats) return std::move(stats).error();
  st.head = stats->version;
  st.items = stats->items;
  st.bytes = stats->bytes;
  return &states_.emplace(tp, st).first->second;
}

result<uint64_t> partition_cache::latest_non_void(uint64_t tp, uint64_t v, uint64_t above) {
  uint64_t upper = std::min<uint64_t>(v, version_max);
  for (;;) {
    uint64_t found = 0;
    {
      auto q = db_.prepare(
          "SELECT version FROM kv_items WHERE tp=?1 AND version>?2 AND version<=?3"
          " ORDER BY version DESC LIMIT 1");
      if (!q) return std::move(q).error();
      q->bind_u64(1, tp).bind_u64(2, above).bind_u64(3, upper);
      auto row = q->step();
      if (!row) return std::move(row).error();
      if (!*row) return uint64_t{0};
      found = q->u64(0);
    }
    auto* vs = voids(tp);
    auto lo = vs != nullptr ? vs->containing(found) : std::nullopt;
    if (!lo) return found;
    upper = *lo;
  }
}

result<partition_stats> partition_cache::stats_at(uint64_t tp, uint64_t v, const partition_state& st) {
  if (v < st.base_version) return recount(tp, v);
  uint64_t upper = std::min<uint64_t>(v, version_max);
  for (;;) {
    partition_stats found;
    bool have = false;
    {
      auto q = db_.prepare(
          "SELECT version, p_items, p_bytes FROM kv_items WHERE tp=?1 AND version>?2"
          " AND version<=?3 ORDER BY version DESC LIMIT 1");
      if (!q) return std::move(q).error();
      q->bind_u64(1, tp).bind_u64(2, st.base_version).bind_u64(3, upper);
      auto row = q->step();
      if (!row) return std::move(row).error();
      if (*row) {
        have = true;
        found = {q->u64(0), q->u64(1), q->u64(2)};
      }
    }
    if (!have) return partition_stats{st.base_version, st.base_items, st.base_bytes};
    auto* vs = voids(tp);
    auto lo = vs != nullptr ? vs->containing(found.version) : std::nullopt;
    if (!lo) return found;
    upper = *lo;  // jump below the whole void range: one lookup per range
  }
}

result<partition_stats> partition_cache::recount(uint64_t tp, uint64_t v, std::string_view from,
                                                 std::string_view to) {
  std::string lo = keys::partition_prefix(tp_table(tp), tp_partition(tp));
  std::string hi = keys::prefix_end(lo);
  if (from > lo) lo = std::string(from);
  if (!to.empty() && (hi.empty() || to < hi)) hi = std::string(to);
  partition_stats out;
  auto head = latest_non_void(tp, v, 0);
  if (!head) return std::move(head).error();
  out.version = *head;
  auto q = db_.prepare(
      "SELECT key, version, kind, length(value), length(rk2) FROM kv_items"
      " WHERE key>=?1 AND version<=?2 ORDER BY key, version DESC");
  if (!q) return std::move(q).error();
  q->bind_blob(1, lo).bind_u64(2, std::min<uint64_t>(v, version_max));
  std::string current;
  bool decided = false;
  for (;;) {
    auto row = q->step();
    if (!row) return std::move(row).error();
    if (!*row) break;
    std::string_view key = q->blob(0);
    if (!hi.empty() && key >= hi) break;  // past the partition
    if (key != current) {
      current = std::string(key);
      decided = false;
    }
    if (decided || is_void(tp, q->u64(1))) continue;
    decided = true;  // latest non-void version of this key
    if (static_cast<row_kind>(q->i64(2)) != row_kind::put) continue;
    auto k = keys::decode(key);
    if (!k) return std::move(k).error();
    out.items += 1;
    out.bytes += item_bytes(k->hash_key.size(), k->range_key.size(),
                            static_cast<size_t>(q->i64(3)), static_cast<size_t>(q->i64(4)));
  }
  return out;
}

}  // namespace ropekv::store::detail
