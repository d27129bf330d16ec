#include "ropekv/backup/restore_plan.hpp"

#include <algorithm>

#include "ropekv/keys/key_codec.hpp"
#include "ropekv/store/segment_store.hpp"

namespace ropekv::backup {

status restore_plan::add_chunk(std::string_view bytes, std::string_view start, std::string_view end) {
  // Parse into a scratch plan first: a damaged chunk adds nothing.
  std::vector<std::pair<std::string, std::pair<uint64_t, row>>> rows;
  std::vector<std::pair<uint16_t, std::pair<uint64_t, uint64_t>>> voids;
  uint64_t max_version = 0;
  auto r = store::segment_store::read_chunk(bytes, [&](const pb::StoreRecord& rec) -> status {
    if (rec.has_void_range()) {
      const auto& v = rec.void_range();
      if (v.table_id() == target_.from_table) {
        voids.push_back({static_cast<uint16_t>(v.partition()), {v.from_version(), v.to_version()}});
      }
      return {};
    }
    const auto& v = rec.version();
    if (v.key() < start || (!end.empty() && v.key() >= end)) return {};
    auto k = keys::decode(v.key());
    if (!k) return make_error(errc::corrupt, "chunk row with a malformed key");
    if (k->table != target_.from_table) return {};
    max_version = std::max(max_version, v.version());
    if (target_.as_of != 0 && v.version() > target_.as_of) return {};
    row out;
    out.kind = v.kind();
    out.value = v.value();
    out.rk2 = v.rk2();
    out.has_rk2 = v.has_rk2();
    out.expires_at_ms = v.expires_at_ms();
    rows.push_back({v.key(), {v.version(), std::move(out)}});
    return {};
  });
  if (!r) return r;
  for (auto& [key, vr] : rows) versions_[key][vr.first] = std::move(vr.second);
  for (auto& [p, range] : voids) voids_[p].push_back(range);
  max_version_ = std::max(max_version_, max_version);
  rows_ += rows.size();
  return {};
}

bool restore_plan::is_void(uint16_t partition, uint64_t version) const {
  auto it = voids_.find(partition);
  if (it == voids_.end()) return false;
  for (const auto& [lo, hi] : it->second) {
    if (version > lo && version <= hi) return true;
  }
  return false;
}

std::vector<pb::Item> restore_plan::items() const {
  struct entry {
    uint16_t partition;
    pb::Item item;
  };
  std::vector<entry> out;
  for (const auto& [key, versions] : versions_) {
    auto k = keys::decode(key);
    if (!k) continue;  // checked in add_chunk
    for (auto it = versions.rbegin(); it != versions.rend(); ++it) {
      if (is_void(k->partition, it->first)) continue;
      if (it->second.kind == 0) {
        pb::Item item;
        item.set_table_id(target_.to_table);
        item.set_hash_key(k->hash_key);
        item.set_range_key(k->range_key);
        item.set_value(it->second.value);
        item.set_has_rk2(it->second.has_rk2);
        if (it->second.has_rk2) item.set_rk2(it->second.rk2);
        item.set_version(it->first);
        item.set_expires_at_ms(it->second.expires_at_ms);
        out.push_back({k->partition, std::move(item)});
      }
      break;  // the latest visible version decides: a tombstone means absent
    }
  }
  std::sort(out.begin(), out.end(), [](const entry& a, const entry& b) {
    return a.partition != b.partition ? a.partition < b.partition : a.item.version() < b.item.version();
  });
  std::vector<pb::Item> items;
  items.reserve(out.size());
  for (auto& e : out) items.push_back(std::move(e.item));
  return items;
}

std::vector<pb::RestoreItems> restore_batches(const std::vector<pb::Item>& items, size_t max_items,
                                              size_t max_bytes) {
  std::vector<pb::RestoreItems> out;
  size_t bytes = 0;
  for (const auto& item : items) {
    if (out.empty() || static_cast<size_t>(out.back().items_size()) >= max_items ||
        (bytes > 0 && bytes + item.ByteSizeLong() > max_bytes)) {
      out.emplace_back();
      bytes = 0;
    }
    *out.back().add_items() = item;
    bytes += item.ByteSizeLong();
  }
  return out;
}

}  // namespace ropekv::backup
