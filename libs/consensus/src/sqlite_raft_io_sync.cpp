// sqlite_raft_io, the synchronous side: start-up load, bootstrap, recover,
// term/vote writes (durable on return) and snapshot loads, which turn
// SQLite rows into raft_malloc'd structures that c-raft takes over.
#include <cstring>

#include "ropekv/consensus/sqlite_raft_io.hpp"

namespace ropekv::consensus {

namespace {

sqlite_raft_io* self(raft_io* io) { return static_cast<sqlite_raft_io*>(io->impl); }

}  // namespace

int sqlite_raft_io::do_load(raft_io* io, raft_term* term, raft_id* voted_for, raft_snapshot** snapshot,
                            raft_index* start_index, raft_entry** entries, size_t* n_entries) {
  return self(io)->load(term, voted_for, snapshot, start_index, entries, n_entries);
}

int sqlite_raft_io::load(raft_term* term, raft_id* voted_for, raft_snapshot** snapshot_out,
                         raft_index* start_index, raft_entry** entries_out, size_t* n_entries) {
  *snapshot_out = nullptr;
  *entries_out = nullptr;
  *n_entries = 0;
  auto hs = log_->load_hard_state();
  if (!hs) return fail(RAFT_IOERR, hs.error().message);
  auto snap = log_->load_snapshot();
  if (!snap) return fail(RAFT_IOERR, snap.error().message);
  auto range = log_->entry_range();
  if (!range) return fail(RAFT_IOERR, range.error().message);

  uint64_t snap_index = snap->has_value() ? (*snap)->index : 0;
  if (range->count != 0) {
    if (range->last - range->first + 1 != range->count) return fail(RAFT_CORRUPT, "raft log has holes");
    if (range->first > snap_index + 1) return fail(RAFT_CORRUPT, "raft log starts after snapshot");
  }

  raft_snapshot* snapshot = nullptr;
  if (snap->has_value()) {
    const snapshot_record& rec = **snap;
    snapshot = static_cast<raft_snapshot*>(raft_calloc(1, sizeof(raft_snapshot)));
    if (snapshot == nullptr) return fail(RAFT_NOMEM, "snapshot");
    snapshot->index = rec.index;
    snapshot->term = rec.term;
    snapshot->configuration_index = rec.conf_index;
    raft_configuration_init(&snapshot->configuration);
    if (auto st = decode_configuration(rec.conf, &snapshot->configuration); !st) {
      raft_free(snapshot);
      return fail(RAFT_CORRUPT, st.error().message);
    }
    snapshot->bufs = static_cast<raft_buffer*>(raft_malloc(sizeof(raft_buffer)));
    snapshot->n_bufs = 1;
    snapshot->bufs[0].len = rec.data.size();
    snapshot->bufs[0].base = raft_malloc(rec.data.empty() ? 1 : rec.data.size());
    if (!rec.data.empty()) std::memcpy(snapshot->bufs[0].base, rec.data.data(), rec.data.size());
  }

  raft_entry* entries = nullptr;
  terms_.clear();
  if (range->count != 0) {
    // One allocation holds every payload: c-raft frees the batch once all
    // entries referencing it are gone.
    entries = static_cast<raft_entry*>(raft_calloc(range->count, sizeof(raft_entry)));
    auto* batch = static_cast<uint8_t*>(raft_malloc(range->payload_bytes == 0 ? 1 : range->payload_bytes));
    size_t i = 0;
    size_t off = 0;
    auto st = log_->for_each_entry(range->first, [&](const log_entry_view& e) -> status {
      if (i >= range->count || e.payload.size() > range->payload_bytes - off) {
        return make_error(errc::corrupt, "raft log changed while loading");
      }
      entries[i].term = e.term;
      entries[i].type = e.type;
      entries[i].buf.base = batch + off;
      entries[i].buf.len = e.payload.size();
      entries[i].batch = batch;
      terms_.append(e.index, e.term);
      if (!e.payload.empty()) std::memcpy(batch + off, e.payload.data(), e.payload.size());
      off += e.payload.size();
      ++i;
      return {};
    });
    if (!st || i != range->count) {
      raft_free(batch);
      raft_free(entries);
      if (snapshot != nullptr) {
        raft_configuration_close(&snapshot->configuration);
        raft_free(snapshot->bufs[0].base);
        raft_free(snapshot->bufs);
        raft_free(snapshot);
      }
      return fail(RAFT_CORRUPT, st ? "raft log changed while loading" : st.error().message);
    }
  }

  term_ = hs->term;
  *term = hs->term;
  *voted_for = hs->vote;
  *snapshot_out = snapshot;
  *entries_out = entries;
  *n_entries = range->count;
  *start_index = range->count != 0 ? range->first : snap_index + 1;
  next_index_ = range->count != 0 ? range->last + 1 : snap_index + 1;
  return 0;
}

// ------------------------------------------- synchronous durable writes

int sqlite_raft_io::append_configuration(const raft_configuration* conf, uint64_t index, uint64_t term) {
  raft_buffer buf{};
  // c-raft decodes configuration entries itself, so they use its encoding.
  if (int rv = raft_configuration_encode(conf, &buf); rv != 0) return rv;
  auto st = log_->put_entry(index, term, RAFT_CHANGE,
                            std::string_view(static_cast<const char*>(buf.base), buf.len));
  raft_free(buf.base);
  return st ? 0 : fail(RAFT_IOERR, st.error().message);
}

int sqlite_raft_io::do_bootstrap(raft_io* io, const raft_configuration* conf) {
  return self(io)->bootstrap(conf);
}

int sqlite_raft_io::bootstrap(const raft_configuration* conf) {
  auto hs = log_->load_hard_state();
  auto range = log_->entry_range();
  auto snap = log_->load_snapshot();
  if (!hs || !range || !snap) return fail(RAFT_IOERR, "bootstrap: cannot read log");
  if (hs->term != 0 || range->count != 0 || snap->has_value()) {
    return fail(RAFT_CANTBOOTSTRAP, "bootstrap: server has state");
  }
  if (auto st = log_->begin(); !st) return fail(RAFT_IOERR, st.error().message);
  int rv = append_configuration(conf, 1, 1);
  if (rv == 0) {
    if (auto st = log_->put_hard_state({1, 0}); !st) rv = fail(RAFT_IOERR, st.error().message);
  }
  if (rv != 0) {
    log_->rollback();
    return rv;
  }
  if (auto st = log_->commit(); !st) return fail(RAFT_IOERR, st.error().message);
  term_ = 1;
  next_index_ = 2;
  terms_.clear();
  terms_.append(1, 1);
  return 0;
}

int sqlite_raft_io::do_recover(raft_io* io, const raft_configuration* conf) {
  auto* s = self(io);
  auto hs = s->log_->load_hard_state();
  auto range = s->log_->entry_range();
  auto snap = s->log_->load_snapshot();
  if (!hs || !range || !snap) return s->fail(RAFT_IOERR, "recover: cannot read log");
  uint64_t last = range->count != 0 ? range->last : (snap->has_value() ? (*snap)->index : 0);
  if (auto st = s->log_->begin(); !st) return s->fail(RAFT_IOERR, st.error().message);
  uint64_t term = hs->term == 0 ? 1 : hs->term;
  if (int rv = s->append_configuration(conf, last + 1, term); rv != 0) {
    s->log_->rollback();
    return rv;
  }
  if (auto st = s->log_->commit(); !st) return s->fail(RAFT_IOERR, st.error().message);
  s->terms_.append(last + 1, term);
  return 0;
}

int sqlite_raft_io::do_set_term(raft_io* io, raft_term term) {
  auto* s = self(io);
  if (s->failed_) return RAFT_IOERR;
  if (auto st = s->log_->save_hard_state({term, 0}); !st) return s->fail_write(st.error());
  s->term_ = term;
  return 0;
}

int sqlite_raft_io::do_set_vote(raft_io* io, raft_id server_id) {
  auto* s = self(io);
  if (s->failed_) return RAFT_IOERR;
  if (auto st = s->log_->save_hard_state({s->term_, server_id}); !st) return s->fail_write(st.error());
  return 0;
}

// ------------------------------------------------------------ snapshots

void sqlite_raft_io::complete_snapshot_gets(int status) {
  auto gets = std::move(snapshot_gets_);
  snapshot_gets_.clear();
  for (auto* req : gets) {
    if (status != 0) {
      req->cb(req, nullptr, status);
      continue;
    }
    auto rec = log_->load_snapshot();
    if (!rec || !rec->has_value()) {
      req->cb(req, nullptr, rec ? RAFT_NOTFOUND : RAFT_IOERR);
      continue;
    }
    auto* snap = static_cast<raft_snapshot*>(raft_calloc(1, sizeof(raft_snapshot)));
    snap->index = (*rec)->index;
    snap->term = (*rec)->term;
    snap->configuration_index = (*rec)->conf_index;
    raft_configuration_init(&snap->configuration);
    if (auto st = decode_configuration((*rec)->conf, &snap->configuration); !st) {
      raft_free(snap);
      req->cb(req, nullptr, RAFT_CORRUPT);
      continue;
    }
    const std::string& data = (*rec)->data;
    snap->bufs = static_cast<raft_buffer*>(raft_malloc(sizeof(raft_buffer)));
    snap->n_bufs = 1;
    snap->bufs[0].len = data.size();
    snap->bufs[0].base = raft_malloc(data.empty() ? 1 : data.size());
    if (!data.empty()) std::memcpy(snap->bufs[0].base, data.data(), data.size());
    req->cb(req, snap, 0);
  }
}

}  // namespace ropekv::consensus
