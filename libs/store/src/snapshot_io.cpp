#include "snapshot_io.hpp"

#include <xxhash.h>

#include "ropekv/keys/key_codec.hpp"

namespace ropekv::store::detail {
namespace {

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

bool get_varint(std::string_view in, size_t& pos, uint64_t& v) {
  v = 0;
  for (int shift = 0; shift < 64 && pos < in.size(); shift += 7) {
    auto b = static_cast<uint8_t>(in[pos++]);
    v |= static_cast<uint64_t>(b & 0x7F) << shift;
    if ((b & 0x80) == 0) return true;
  }
  return false;
}

pb::StoredVersion to_record(const version_row& r) {
  pb::StoredVersion v;
  v.set_position(r.pos);
  v.set_key(r.key);
  v.set_version(r.version);
  v.set_kind(static_cast<uint32_t>(r.kind));
  v.set_value(r.value);
  v.set_rk2(r.rk2);
  v.set_has_rk2(r.has_rk2);
  v.set_expires_at_ms(r.expires_ms);
  v.set_timestamp_us(r.ts_us);
  v.set_partition_items(r.p_items);
  v.set_partition_bytes(r.p_bytes);
  v.set_log_index(r.log_index);
  v.set_prev_version(r.prev);
  v.set_txn_id(r.txn);
  return v;
}

template <class Fn>
status each_row(database& db, std::string_view sql, Fn&& fn) {
  auto q = db.prepare(sql);
  if (!q) return std::move(q).error();
  for (;;) {
    auto row = q->step();
    if (!row) return std::move(row).error();
    if (!*row) return {};
    if (auto r = fn(*q); !r) return r;
  }
}

}  // namespace

pb::StoredVersion version_record(const version_row& r) { return to_record(r); }

status export_records(store_state& s, const record_fn& out) {
  pb::StoreRecord rec;
  auto* h = rec.mutable_header();
  h->set_format(1);
  h->set_segment_id(s.meta.seg.segment_id);
  h->set_start_key(s.meta.seg.start_key);
  h->set_end_key(s.meta.seg.end_key);
  h->set_epoch(s.meta.seg.epoch);
  h->set_applied_index(s.meta.applied_index);
  h->set_next_position(s.meta.next_position);
  h->set_history_floor(s.meta.history_floor);
  h->set_feed_floor(s.meta.feed_floor);
  h->set_compact_position(s.meta.compact_position);
  if (auto r = out(rec); !r) return r;
  auto r = each_row(*s.db, "SELECT " RKV_ROW_COLS " FROM kv_items ORDER BY pos", [&](stmt& q) {
    pb::StoreRecord v;
    *v.mutable_version() = to_record(read_row(q));
    return out(v);
  });
  if (!r) return r;
  r = each_row(*s.db, "SELECT pos, tp, lo, hi, ts_us, log_index FROM kv_voids ORDER BY pos",
               [&](stmt& q) {
                 pb::StoreRecord v;
                 auto* d = v.mutable_void_range();
                 d->set_position(q.u64(0));
                 d->set_table_id(tp_table(q.u64(1)));
                 d->set_partition(tp_partition(q.u64(1)));
                 d->set_from_version(q.u64(2));
                 d->set_to_version(q.u64(3));
                 d->set_timestamp_us(q.i64(4));
                 d->set_log_index(q.u64(5));
                 return out(v);
               });
  if (!r) return r;
  r = each_row(*s.db,
                  "SELECT tp, max_issued, base_version, base_items, base_bytes FROM kv_partitions"
                  " ORDER BY tp",
                  [&](stmt& q) {
                    pb::StoreRecord v;
                    auto* p = v.mutable_partition();
                    p->set_table_id(tp_table(q.u64(0)));
                    p->set_partition(tp_partition(q.u64(0)));
                    p->set_max_issued(q.u64(1));
                    p->set_base_version(q.u64(2));
                    p->set_base_items(q.u64(3));
                    p->set_base_bytes(q.u64(4));
                    return out(v);
                  });
  if (!r) return r;
  r = export_txn_records(s, out);
  if (!r) return r;
  return export_chunk_records(s, out);
}

status export_txn_records(store_state& s, const record_fn& out) {
  auto r = each_row(*s.db, "SELECT key, tp, txn_id, primary_key, ts_us, op FROM kv_locks ORDER BY key",
                    [&](stmt& q) {
                      pb::StoreRecord v;
                      auto* l = v.mutable_lock();
                      l->set_key(std::string(q.blob(0)));
                      l->set_tp(q.u64(1));
                      l->set_txn_id(std::string(q.blob(2)));
                      l->set_primary_key(std::string(q.blob(3)));
                      l->set_timestamp_us(q.i64(4));
                      auto op = q.blob(5);
                      if (!l->mutable_op()->ParseFromArray(op.data(), static_cast<int>(op.size())))
                        return status(make_error(errc::corrupt, "kv_locks row with an unreadable op"));
                      return out(v);
                    });
  if (!r) return r;
  r = each_row(*s.db,
               "SELECT txn_id, state, commit_version, ts_us, request_key, primary_key FROM kv_txns"
               " ORDER BY txn_id",
               [&](stmt& q) {
                 pb::StoreRecord v;
                 auto* t = v.mutable_txn();
                 t->set_txn_id(std::string(q.blob(0)));
                 t->set_state(static_cast<pb::TxnState>(q.i64(1)));
                 t->set_commit_version(q.u64(2));
                 t->set_timestamp_us(q.i64(3));
                 t->set_request_key(std::string(q.blob(4)));
                 t->set_primary_key(std::string(q.blob(5)));
                 return out(v);
               });
  if (!r) return r;
  return each_row(*s.db,
                  "SELECT request_key, ts_us, fingerprint, result FROM kv_requests ORDER BY request_key",
                  [&](stmt& q) {
                    pb::StoreRecord v;
                    auto* t = v.mutable_request();
                    t->set_request_key(std::string(q.blob(0)));
                    t->set_timestamp_us(q.i64(1));
                    t->set_fingerprint(q.u64(2));
                    auto res = q.blob(3);
                    if (!t->mutable_result()->ParseFromArray(res.data(), static_cast<int>(res.size())))
                      return status(make_error(errc::corrupt, "kv_requests row with an unreadable result"));
                    return out(v);
                  });
}

// --------------------------------------------------------- record_writer

record_writer::record_writer(std::string* sink) : sink_(sink), hash_(XXH64_createState()) {
  XXH64_reset(static_cast<XXH64_state_t*>(hash_), 0);
  put(snapshot_magic);
}

record_writer::~record_writer() { XXH64_freeState(static_cast<XXH64_state_t*>(hash_)); }

void record_writer::put(std::string_view bytes) {
  XXH64_update(static_cast<XXH64_state_t*>(hash_), bytes.data(), bytes.size());
  if (sink_ != nullptr) sink_->append(bytes);
}

void record_writer::write(const pb::StoreRecord& rec) {
  buf_.clear();
  // Deterministic: the same contents always give the same bytes and digest.
  put_varint(buf_, rec.ByteSizeLong());
  rec.AppendToString(&buf_);
  put(buf_);
  ++records_;
}

uint64_t record_writer::finish() {
  uint64_t sum = XXH64_digest(static_cast<XXH64_state_t*>(hash_));
  if (sink_ != nullptr) {
    pb::StoreRecord rec;
    rec.mutable_trailer()->set_records(records_);
    rec.mutable_trailer()->set_checksum(sum);
    buf_.clear();
    put_varint(buf_, rec.ByteSizeLong());
    rec.AppendToString(&buf_);
    sink_->append(buf_);
  }
  return sum;
}

// ----------------------------------------------------------- read_records

status read_records(std::string_view in, const record_fn& out) {
  if (in.size() < snapshot_magic.size() || in.substr(0, snapshot_magic.size()) != snapshot_magic) {
    return make_error(errc::corrupt, "not a store snapshot (bad magic)");
  }
  XXH64_state_t* hash = XXH64_createState();
  XXH64_reset(hash, 0);
  struct free_state {
    XXH64_state_t* h;
    ~free_state() { XXH64_freeState(h); }
  } guard{hash};
  size_t pos = snapshot_magic.size();
  XXH64_update(hash, in.data(), pos);
  uint64_t records = 0;
  while (pos < in.size()) {
    size_t start = pos;
    uint64_t len = 0;
    if (!get_varint(in, pos, len) || len > in.size() - pos) {
      return make_error(errc::corrupt, "snapshot truncated or framing damaged");
    }
    pb::StoreRecord rec;
    if (!rec.ParseFromArray(in.data() + pos, static_cast<int>(len))) {
      return make_error(errc::corrupt, "snapshot record does not parse");
    }
    pos += len;
    if (rec.has_trailer()) {
      if (pos != in.size()) return make_error(errc::corrupt, "bytes after snapshot trailer");
      if (rec.trailer().records() != records || rec.trailer().checksum() != XXH64_digest(hash)) {
        return make_error(errc::corrupt, "snapshot checksum mismatch");
      }
      return {};
    }
    XXH64_update(hash, in.data() + start, pos - start);
    ++records;
    if (records == 1 && !rec.has_header()) return make_error(errc::corrupt, "snapshot without header");
    if (auto r = out(rec); !r) return r;
  }
  return make_error(errc::corrupt, "snapshot without trailer (truncated)");
}

// --------------------------------------------------------------- installer

result<installer> installer::begin(database& db) {
  auto txn = write_txn::begin(db);
  if (!txn) return std::move(txn).error();
  if (auto r = clear_tables(db); !r) return std::move(r).error();
  return installer(db, std::move(*txn));
}

status installer::add(const pb::StoreRecord& rec) {
  switch (rec.rec_case()) {
    case pb::StoreRecord::kHeader: {
      const auto& h = rec.header();
      if (h.format() != 1) return make_error(errc::corrupt, "unknown snapshot format");
      meta_.seg = segment_meta{h.segment_id(), h.start_key(), h.end_key(), h.epoch()};
      meta_.applied_index = h.applied_index();
      meta_.next_position = std::max<uint64_t>(1, h.next_position());
      meta_.history_floor = h.history_floor();
      meta_.feed_floor = h.feed_floor();
      meta_.compact_position = h.compact_position();
      have_header_ = true;
      return {};
    }
    case pb::StoreRecord::kVersion: {
      const auto& v = rec.version();
      auto k = keys::decode(v.key());
      if (!k) return make_error(errc::corrupt, "snapshot version with a malformed key");
      if (v.kind() > 2) return make_error(errc::corrupt, "snapshot version of unknown kind");
      version_row row;
      row.pos = v.position();
      row.key = v.key();
      row.version = v.version();
      row.tp = make_tp(k->table, k->partition);
      row.kind = static_cast<row_kind>(v.kind());
      row.value = v.value();
      row.has_rk2 = v.has_rk2();
      row.rk2 = v.rk2();
      row.expires_ms = v.expires_at_ms();
      row.ts_us = v.timestamp_us();
      row.p_items = v.partition_items();
      row.p_bytes = v.partition_bytes();
      row.log_index = v.log_index();
      row.prev = v.prev_version();
      row.txn = v.txn_id();
      return insert_version_row(*db_, row, nullptr);
    }
    case pb::StoreRecord::kVoidRange: {
      const auto& d = rec.void_range();
      auto q = db_->prepare(
          "INSERT INTO kv_voids(pos, tp, lo, hi, ts_us, log_index) VALUES(?1, ?2, ?3, ?4, ?5, ?6)");
      if (!q) return std::move(q).error();
      q->bind_u64(1, d.position()).bind_u64(2, make_tp(d.table_id(), static_cast<uint16_t>(d.partition())));
      q->bind_u64(3, d.from_version()).bind_u64(4, d.to_version()).bind(5, d.timestamp_us());
      q->bind_u64(6, d.log_index());
      return q->run();
    }
    case pb::StoreRecord::kPartition: {
      const auto& p = rec.partition();
      auto q = db_->prepare(
          "INSERT INTO kv_partitions(tp, max_issued, base_version, base_items, base_bytes)"
          " VALUES(?1, ?2, ?3, ?4, ?5)");
      if (!q) return std::move(q).error();
      q->bind_u64(1, make_tp(p.table_id(), static_cast<uint16_t>(p.partition())));
      q->bind_u64(2, p.max_issued()).bind_u64(3, p.base_version()).bind_u64(4, p.base_items());
      q->bind_u64(5, p.base_bytes());
      return q->run();
    }
    case pb::StoreRecord::kLock: {
      const auto& l = rec.lock();
      lock_set ignored;  // the store reloads its locks after an install
      return ignored.insert(*db_, lock_row{l.key(), l.tp(), l.txn_id(), l.primary_key(),
                                           l.timestamp_us(), l.op()});
    }
    case pb::StoreRecord::kTxn: {
      const auto& t = rec.txn();
      return save_txn(*db_, txn_record{t.txn_id(), t.state(), t.commit_version(), t.timestamp_us(),
                                       t.request_key(), t.primary_key()});
    }
    case pb::StoreRecord::kRequest: {
      const auto& q = rec.request();
      return save_request(*db_, q.request_key(),
                          request_row{q.timestamp_us(), q.fingerprint(), q.result()});
    }
    case pb::StoreRecord::kChunk:
      return insert_chunk_row(*db_, rec.chunk());
    default:
      return make_error(errc::corrupt, "unexpected snapshot record");
  }
}

status installer::commit() {
  if (!have_header_) return make_error(errc::corrupt, "snapshot without header");
  if (auto r = save_meta(*db_, meta_); !r) return r;
  return txn_.commit();
}

}  // namespace ropekv::store::detail
