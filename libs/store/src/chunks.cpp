// The chunk manifest (kv_chunks) and freezing rows into chunks
// (docs/backup.md "Chunks and manifests").
//
// A chunk holds the rows with change-feed positions in (first, last]: every
// kv_items version and kv_voids range written there, in position order, in
// the snapshot framing (magic, length-prefixed StoreRecords, trailer with
// an xxh64 checksum), so the reader that installs snapshots also reads
// chunks. Chunks are contiguous: the manifest's next chunk must start where
// the last one ended, which apply checks, so two leaders racing to record
// overlapping chunks leave exactly one in the manifest (the other's object
// stays unreferenced in the blob store until garbage collection).
#include "ropekv/store/segment_store.hpp"
#include "snapshot_io.hpp"
#include "store_state.hpp"

namespace ropekv::store {
namespace detail {

namespace {

pb::ChunkRecord read_chunk_row(const stmt& q) {
  pb::ChunkRecord c;
  c.set_last_position(q.u64(0));
  c.set_first_position(q.u64(1));
  c.set_chunk_id(std::string(q.blob(2)));
  c.set_min_version(q.u64(3));
  c.set_max_version(q.u64(4));
  c.set_rows(q.u64(5));
  c.set_bytes(q.u64(6));
  c.set_segment_id(q.u64(7));
  c.set_frozen_at_us(q.i64(8));
  c.set_log_index(q.u64(9));
  return c;
}

constexpr const char* chunk_cols =
    "SELECT last_pos, first_pos, chunk_id, min_version, max_version, rows, bytes, segment_id,"
    " frozen_us, log_index FROM kv_chunks ORDER BY last_pos";

bool is_hex_sha256(const std::string& id) {
  if (id.size() != 64) return false;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

result<uint64_t> manifest_end(database& db) {
  auto v = db.query_int("SELECT coalesce(max(last_pos), 0) FROM kv_chunks");
  if (!v) return std::move(v).error();
  return static_cast<uint64_t>(*v);
}

}  // namespace

status insert_chunk_row(database& db, const pb::ChunkRecord& c) {
  auto q = db.prepare(
      "INSERT INTO kv_chunks(last_pos, first_pos, chunk_id, min_version, max_version, rows, bytes,"
      " segment_id, frozen_us, log_index) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
  if (!q) return std::move(q).error();
  q->bind_u64(1, c.last_position()).bind_u64(2, c.first_position()).bind_blob(3, c.chunk_id());
  q->bind_u64(4, c.min_version()).bind_u64(5, c.max_version()).bind_u64(6, c.rows());
  q->bind_u64(7, c.bytes()).bind_u64(8, c.segment_id()).bind(9, c.frozen_at_us());
  q->bind_u64(10, c.log_index());
  return q->run();
}

status export_chunk_records(store_state& s, const record_fn& out) {
  auto q = s.db->prepare(chunk_cols);
  if (!q) return std::move(q).error();
  for (;;) {
    auto row = q->step();
    if (!row) return std::move(row).error();
    if (!*row) return {};
    pb::StoreRecord rec;
    *rec.mutable_chunk() = read_chunk_row(*q);
    if (auto r = out(rec); !r) return r;
  }
}

result<pb::MutationResult> apply_chunk(store_state& s, const pb::Mutation& m, uint64_t log_index,
                                       txn_context&) {
  pb::ChunkRecord c = m.chunk();
  if (!is_hex_sha256(c.chunk_id()) || c.last_position() <= c.first_position()) {
    return failed(errc::invalid_argument, "chunk record without a SHA-256 id or an empty range");
  }
  if (c.last_position() >= s.meta.next_position) {
    return failed(errc::invalid_argument, "chunk record past the segment's last position");
  }
  auto end = manifest_end(*s.db);
  if (!end) return std::move(end).error();
  if (c.first_position() != *end) {
    // Another leader's chunk got there first (or this one is a replay from
    // an older term): the manifest stays contiguous.
    return failed(errc::condition_failed, "chunk does not continue the manifest (ends at " +
                                              std::to_string(*end) + ")");
  }
  c.set_log_index(log_index);
  if (auto r = insert_chunk_row(*s.db, c); !r) return std::move(r).error();
  pb::MutationResult ok;
  ok.set_position(c.last_position());
  return ok;
}

}  // namespace detail

uint64_t segment_store::chunked_position() const {
  auto end = detail::manifest_end(*s_->db);
  return end ? *end : 0;
}

result<std::vector<pb::ChunkRecord>> segment_store::chunk_manifest() {
  std::vector<pb::ChunkRecord> out;
  auto r = detail::export_chunk_records(*s_, [&](pb::StoreRecord& rec) -> status {
    out.push_back(rec.chunk());
    return {};
  });
  if (!r) return std::move(r).error();
  return out;
}

result<std::optional<frozen_chunk>> segment_store::freeze_chunk(size_t max_rows, int64_t now_us) {
  auto& s = *s_;
  auto begin = detail::manifest_end(*s.db);
  if (!begin) return std::move(begin).error();
  uint64_t first = *begin;
  if (max_rows == 0 || first + 1 >= s.meta.next_position) return std::optional<frozen_chunk>{};
  // Versions and voids share one position sequence; the chunk ends at the
  // max_rows-th position after `first` among both tables.
  auto last_q = s.db->prepare(
      "SELECT pos FROM (SELECT pos FROM kv_items WHERE pos > ?1 UNION ALL"
      " SELECT pos FROM kv_voids WHERE pos > ?1) ORDER BY pos LIMIT 1 OFFSET ?2");
  if (!last_q) return std::move(last_q).error();
  last_q->bind_u64(1, first).bind_u64(2, max_rows - 1);
  auto has = last_q->step();
  if (!has) return std::move(has).error();
  uint64_t last = *has ? last_q->u64(0) : s.meta.next_position - 1;

  frozen_chunk out;
  auto& rec = out.record;
  rec.set_first_position(first);
  rec.set_last_position(last);
  rec.set_segment_id(s.meta.seg.segment_id);
  rec.set_frozen_at_us(now_us);
  detail::record_writer w(&out.bytes);
  pb::StoreRecord header;
  auto* h = header.mutable_header();
  h->set_format(1);
  h->set_segment_id(s.meta.seg.segment_id);
  h->set_start_key(s.meta.seg.start_key);
  h->set_end_key(s.meta.seg.end_key);
  h->set_epoch(s.meta.seg.epoch);
  h->set_next_position(last + 1);
  w.write(header);
  uint64_t rows = 0, min_v = 0, max_v = 0;
  auto note = [&](uint64_t v) {
    min_v = rows == 0 ? v : std::min(min_v, v);
    max_v = std::max(max_v, v);
    ++rows;
  };
  {
    auto q = s.db->prepare("SELECT " RKV_ROW_COLS " FROM kv_items WHERE pos > ?1 AND pos <= ?2 ORDER BY pos");
    if (!q) return std::move(q).error();
    q->bind_u64(1, first).bind_u64(2, last);
    for (;;) {
      auto row = q->step();
      if (!row) return std::move(row).error();
      if (!*row) break;
      pb::StoreRecord v;
      *v.mutable_version() = detail::version_record(detail::read_row(*q));
      note(v.version().version());
      w.write(v);
    }
  }
  {
    auto q = s.db->prepare(
        "SELECT pos, tp, lo, hi, ts_us, log_index FROM kv_voids WHERE pos > ?1 AND pos <= ?2 ORDER BY pos");
    if (!q) return std::move(q).error();
    q->bind_u64(1, first).bind_u64(2, last);
    for (;;) {
      auto row = q->step();
      if (!row) return std::move(row).error();
      if (!*row) break;
      pb::StoreRecord v;
      auto* d = v.mutable_void_range();
      d->set_position(q->u64(0));
      d->set_table_id(detail::tp_table(q->u64(1)));
      d->set_partition(detail::tp_partition(q->u64(1)));
      d->set_from_version(q->u64(2));
      d->set_to_version(q->u64(3));
      d->set_timestamp_us(q->i64(4));
      d->set_log_index(q->u64(5));
      note(d->to_version());
      w.write(v);
    }
  }
  w.finish();
  rec.set_rows(rows);
  rec.set_min_version(min_v);
  rec.set_max_version(max_v);
  rec.set_bytes(out.bytes.size());
  // Positions compaction already dropped leave the range without rows; the
  // chunk still records that the manifest moved past them.
  return std::optional<frozen_chunk>(std::move(out));
}

status segment_store::read_chunk(std::string_view bytes,
                                 const std::function<status(const pb::StoreRecord&)>& out) {
  return detail::read_records(bytes, [&](pb::StoreRecord& rec) -> status {
    if (rec.has_header()) return {};
    if (!rec.has_version() && !rec.has_void_range()) {
      return make_error(errc::corrupt, "chunk holds a record that is not a version or a void range");
    }
    return out(rec);
  });
}

}  // namespace ropekv::store
