// split(): the store's keys below at_key go to a new left store, the rest to
// a new right store, each with its full version history. Change-feed
// positions, applied index and floors are kept in both halves; every
// partition's max_issued and void ranges go to both, so versions issued by
// either half stay above everything issued before the split.
#include <set>

#include "ropekv/keys/key_codec.hpp"
#include "ropekv/store/segment_store.hpp"
#include "snapshot_io.hpp"

namespace ropekv::store {
namespace {

using detail::installer;

// Every partition the store knows of: with rows, a partition row or voids.
result<std::set<uint64_t>> known_partitions(detail::store_state& s) {
  std::set<uint64_t> tps;
  for (const char* sql : {"SELECT DISTINCT tp FROM kv_items", "SELECT tp FROM kv_partitions",
                          "SELECT DISTINCT tp FROM kv_voids"}) {
    auto q = s.db->prepare(sql);
    if (!q) return std::move(q).error();
    for (;;) {
      auto row = q->step();
      if (!row) return std::move(row).error();
      if (!*row) break;
      tps.insert(q->u64(0));
    }
  }
  return tps;
}

pb::StoreRecord partition_record(uint64_t tp, uint64_t max_issued, uint64_t base_version,
                                 uint64_t items, uint64_t bytes) {
  pb::StoreRecord rec;
  auto* p = rec.mutable_partition();
  p->set_table_id(detail::tp_table(tp));
  p->set_partition(detail::tp_partition(tp));
  p->set_max_issued(max_issued);
  p->set_base_version(base_version);
  p->set_base_items(items);
  p->set_base_bytes(bytes);
  return rec;
}

// Partition rows of both halves. A partition wholly on one side keeps its
// state there and is empty (base = its head) on the other; the one at_key
// cuts is recounted per side and based at its head, since the aggregates
// stored with its versions count both sides.
status write_partitions(detail::store_state& s, std::string_view at, installer& left,
                        installer& right) {
  auto tps = known_partitions(s);
  if (!tps) return std::move(tps).error();
  std::string cut_prefix = at.size() > 6 ? std::string(at.substr(0, 6)) : std::string();
  for (uint64_t tp : *tps) {
    auto st = s.parts->get(tp);
    if (!st) return std::move(st).error();
    const detail::partition_state& p = **st;
    std::string prefix = keys::partition_prefix(detail::tp_table(tp), detail::tp_partition(tp));
    status r;
    if (prefix == cut_prefix) {
      auto l = s.parts->recount(tp, p.head, {}, at);
      if (!l) return std::move(l).error();
      auto rr = s.parts->recount(tp, p.head, at, {});
      if (!rr) return std::move(rr).error();
      r = left.add(partition_record(tp, p.max_issued, p.head, l->items, l->bytes));
      if (r) r = right.add(partition_record(tp, p.max_issued, p.head, rr->items, rr->bytes));
    } else {
      bool left_owns = std::string_view(prefix) < at;
      auto owned = partition_record(tp, p.max_issued, p.base_version, p.base_items, p.base_bytes);
      auto empty = partition_record(tp, p.max_issued, p.head, 0, 0);
      r = left.add(left_owns ? owned : empty);
      if (r) r = right.add(left_owns ? empty : owned);
    }
    if (!r) return r;
  }
  return {};
}

}  // namespace

result<split_result> segment_store::split(std::string_view at_key, const std::string& left_path,
                                          const std::string& right_path, const pb::Split& ids) {
  auto& s = *s_;
  if (!s.in_segment(at_key) || at_key == s.meta.seg.start_key) {
    return make_error(errc::invalid_argument, "split key not strictly inside the segment");
  }
  if (left_path == s.path || right_path == s.path || left_path == right_path) {
    return make_error(errc::invalid_argument, "split halves need two new files");
  }
  auto left = open(left_path, s.opts);
  if (!left) return std::move(left).error();
  auto right = open(right_path, s.opts);
  if (!right) return std::move(right).error();
  auto li = installer::begin(*(*left)->s_->db);
  if (!li) return std::move(li).error();
  auto ri = installer::begin(*(*right)->s_->db);
  if (!ri) return std::move(ri).error();

  std::string at(at_key);
  uint64_t epoch = ids.new_epoch() != 0 ? ids.new_epoch() : s.meta.seg.epoch + 1;
  auto r = detail::export_records(s, [&](pb::StoreRecord& rec) -> status {
    switch (rec.rec_case()) {
      case pb::StoreRecord::kHeader: {
        pb::StoreRecord l = rec, rr = rec;
        l.mutable_header()->set_end_key(at);
        l.mutable_header()->set_epoch(epoch);
        if (ids.left_segment_id() != 0) l.mutable_header()->set_segment_id(ids.left_segment_id());
        rr.mutable_header()->set_start_key(at);
        rr.mutable_header()->set_epoch(epoch);
        rr.mutable_header()->set_segment_id(ids.right_segment_id());
        auto a = li->add(l);
        return a ? ri->add(rr) : a;
      }
      case pb::StoreRecord::kVersion:
        return rec.version().key() < at ? li->add(rec) : ri->add(rec);
      case pb::StoreRecord::kLock:
        return rec.lock().key() < at ? li->add(rec) : ri->add(rec);
      case pb::StoreRecord::kTxn:
        // The record goes where its primary key goes: that is where a
        // resolver asks (a record without one is copied to both).
        if (!rec.txn().primary_key().empty())
          return rec.txn().primary_key() < at ? li->add(rec) : ri->add(rec);
        [[fallthrough]];
      case pb::StoreRecord::kVoidRange:
      case pb::StoreRecord::kChunk:  // children read the parent's chunks, filtered by range
      case pb::StoreRecord::kRequest: {
        // Requests go to both halves: a retry may land on either.
        auto a = li->add(rec);
        return a ? ri->add(rec) : a;
      }
      default:
        return {};  // partition rows: write_partitions()
    }
  });
  if (r) r = write_partitions(s, at, *li, *ri);
  if (r) r = li->commit();
  if (r) r = ri->commit();
  if (!r) {
    li->abort();
    ri->abort();
    return std::move(r).error();
  }
  if (auto re = (*left)->s_->reload(); !re) return std::move(re).error();
  if (auto re = (*right)->s_->reload(); !re) return std::move(re).error();
  // Both halves hold this store's rows with their positions: what
  // compaction dropped here is missing there too.
  (*left)->s_->scan_floor = s.scan_floor;
  (*right)->s_->scan_floor = s.scan_floor;
  split_result out;
  out.left = std::move(*left);
  out.right = std::move(*right);
  return out;
}

}  // namespace ropekv::store
