#include "ropekv/consensus/sqlite_raft_io.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>

namespace ropekv::consensus {

namespace {

sqlite_raft_io* self(raft_io* io) { return static_cast<sqlite_raft_io*>(io->impl); }

}  // namespace

sqlite_raft_io::sqlite_raft_io(std::unique_ptr<sqlite_log> log, transport& net, const io_options& options)
    : log_(std::move(log)), net_(net), rng_(options.seed), lease_(options.lease_ms), observe_(options.observe),
      vote_quiet_ms_(options.lease_ms > 0 ? std::max(options.vote_quiet_ms, options.lease_ms) : 0) {
  io_.version = 2;
  io_.impl = this;
  io_.init = &do_init;
  io_.close = &do_close;
  io_.load = &do_load;
  io_.start = &do_start;
  io_.bootstrap = &do_bootstrap;
  io_.recover = &do_recover;
  io_.set_term = &do_set_term;
  io_.set_vote = &do_set_vote;
  io_.send = &do_send;
  io_.append = &do_append;
  io_.truncate = &do_truncate;
  io_.snapshot_put = &do_snapshot_put;
  io_.snapshot_get = &do_snapshot_get;
  io_.time = &do_time;
  io_.random = &do_random;
  io_.async_work = &do_async_work;
}

sqlite_raft_io::~sqlite_raft_io() = default;

int sqlite_raft_io::fail(int rv, std::string_view what) {
  std::snprintf(io_.errmsg, RAFT_ERRMSG_BUF_SIZE, "%.*s", static_cast<int>(what.size()), what.data());
  return rv;
}

int sqlite_raft_io::fail_write(const error& err) {
  // The first failure is the one worth reporting (later ones follow from it).
  if (!failed_) failure_ = err;
  failed_ = true;
  return fail(RAFT_IOERR, err.message);
}

// ------------------------------------------------------------ lifecycle

int sqlite_raft_io::do_init(raft_io* io, raft_id id, const char* address) {
  auto* s = self(io);
  s->id_ = id;
  s->address_ = address != nullptr ? address : "";
  return 0;
}

int sqlite_raft_io::do_start(raft_io* io, unsigned msecs, raft_io_tick_cb tick, raft_io_recv_cb recv) {
  auto* s = self(io);
  s->tick_interval_ = msecs;
  s->tick_cb_ = tick;
  s->recv_cb_ = recv;
  s->next_tick_ = s->now_ms_ + msecs;
  s->started_ms_ = s->now_ms_;
  // Distinct across restarts of this node: opening a replica takes well
  // over a millisecond. +1 keeps it clear of "no incarnation" (0).
  s->lease_.set_incarnation(s->now_ms_ + 1);
  return 0;
}

void sqlite_raft_io::do_close(raft_io* io, raft_io_close_cb cb) {
  auto* s = self(io);
  s->closing_ = true;
  s->tick_cb_ = nullptr;
  s->recv_cb_ = nullptr;
  s->inbox_.clear();  // frees undelivered messages
  // Every request c-raft submitted must complete before the close callback,
  // because c-raft frees its log right after. A graceful close still
  // writes what it was asked to; a crash loses it, as a power cut would.
  s->flush_disk();
  s->complete_snapshot_gets(RAFT_CANCELED);
  auto work = std::move(s->async_work_);
  for (auto* w : work) w->cb(w, RAFT_CANCELED);
  // Sent messages are already in the transport's hands: report success.
  auto sent = std::move(s->sent_);
  for (auto* req : sent) {
    if (req->cb != nullptr) req->cb(req, 0);
  }
  if (cb != nullptr) cb(io);
}

// --------------------------------------------------- asynchronous requests

int sqlite_raft_io::do_send(raft_io* io, raft_io_send* req, const raft_message* message, raft_io_send_cb cb) {
  auto* s = self(io);
  if (s->closing_) return RAFT_CANCELED;
  raft_message out = *message;  // shallow: only a result's scalars change
  if (out.type == RAFT_IO_APPEND_ENTRIES_RESULT) s->clamp_match_claim(out.append_entries_result);
  auto link = s->lease_.on_send(message->server_id, s->now_ms_, s->leading_term(),
                                message->type == RAFT_IO_TIMEOUT_NOW);
  // Encoding copies everything now: c-raft's message struct is on its stack.
  std::string bytes = encode_message(out, s->id_, s->address_, link);
  const char* address = message->server_address != nullptr ? message->server_address : "";
  s->net_.send(node_id{message->server_id}, address, std::move(bytes));
  ++s->stats_.messages_sent;
  req->cb = cb;
  // A request without callback (c-raft's TimeoutNow) may be freed by its
  // owner at any time, so the io must not keep a pointer to it.
  if (cb != nullptr) s->sent_.push_back(req);
  return 0;
}

int sqlite_raft_io::do_append(raft_io* io, raft_io_append* req, const raft_entry entries[], unsigned n,
                              raft_io_append_cb cb) {
  auto* s = self(io);
  if (s->closing_) return RAFT_CANCELED;
  if (s->failed_) return RAFT_IOERR;
  req->cb = cb;
  disk_op op{disk_op::append};
  op.append_req = req;
  op.entries = entries;
  op.n = n;
  op.index = s->next_index_;
  s->next_index_ += n;
  s->pending_disk_.push_back(op);
  return 0;
}

int sqlite_raft_io::do_truncate(raft_io* io, raft_index index) {
  auto* s = self(io);
  if (s->closing_) return RAFT_CANCELED;
  if (s->failed_) return RAFT_IOERR;
  // Queued behind pending appends so the on-disk order matches c-raft's.
  disk_op op{disk_op::truncate};
  op.index = index;
  s->pending_disk_.push_back(op);
  s->next_index_ = index;
  return 0;
}

int sqlite_raft_io::do_snapshot_put(raft_io* io, unsigned trailing, raft_io_snapshot_put* req,
                                    const raft_snapshot* snapshot, raft_io_snapshot_put_cb cb) {
  auto* s = self(io);
  if (s->closing_) return RAFT_CANCELED;
  if (s->failed_) return RAFT_IOERR;
  req->cb = cb;
  disk_op op{disk_op::snapshot_put};
  op.put_req = req;
  op.snapshot = snapshot;
  op.trailing = trailing;
  s->pending_disk_.push_back(op);
  // trailing == 0 replaces the whole log (an installed snapshot).
  if (trailing == 0) s->next_index_ = snapshot->index + 1;
  return 0;
}

int sqlite_raft_io::do_snapshot_get(raft_io* io, raft_io_snapshot_get* req, raft_io_snapshot_get_cb cb) {
  auto* s = self(io);
  if (s->closing_) return RAFT_CANCELED;
  req->cb = cb;
  s->snapshot_gets_.push_back(req);
  return 0;
}

int sqlite_raft_io::do_async_work(raft_io* io, raft_io_async_work* req, raft_io_async_work_cb cb) {
  auto* s = self(io);
  if (s->closing_) return RAFT_CANCELED;
  req->cb = cb;
  s->async_work_.push_back(req);
  return 0;
}

raft_time sqlite_raft_io::do_time(raft_io* io) { return self(io)->now_ms_; }

int sqlite_raft_io::do_random(raft_io* io, int min, int max) {
  auto* s = self(io);
  if (max <= min) return min;
  return min + static_cast<int>(s->rng_() % static_cast<uint64_t>(max - min));
}

// ------------------------------------------- c-raft 0.15 follower fixes

void sqlite_raft_io::cap_leader_commit(raft_append_entries& ae) {
  // c-raft sets the follower's commit index to min(leader_commit,
  // last_stored); entries past what this message covers were never checked
  // against the leader and may be stale ones of an old term. Committing
  // them applies wrong state, and once the leader overwrites them c-raft
  // finds a conflict below its commit index and turns unavailable for good.
  raft_index covered = ae.prev_log_index + ae.n_entries;
  if (ae.leader_commit <= covered) return;
  ae.leader_commit = covered;
  ++stats_.leader_commits_capped;
}

void sqlite_raft_io::clamp_match_claim(raft_append_entries_result& res) {
  // A rejection's last_log_index is a hint for the leader's probe, not a
  // claim: leave it alone.
  if (res.rejected != 0) return;
  // c-raft reports last_stored even when the AppendEntries ended below
  // stale entries; the leader takes that as our match index (and so counts
  // us toward committing entries we lack, and ignores our later
  // rejections). What provably matches the leader: everything committed,
  // and everything up to our last entry of the current term — only the
  // current leader creates such entries and never rewrites them, and Raft's
  // log matching property covers everything before one. Reporting less
  // than we have costs at most a resend.
  const auto* r = static_cast<const raft*>(io_.data);
  uint64_t commit = r != nullptr ? r->commit_index : 0;
  uint64_t proven = std::max<uint64_t>(commit, terms_.last_index_of(res.term));
  if (res.last_log_index <= proven) return;
  res.last_log_index = proven;
  ++stats_.match_claims_clamped;
}

uint64_t sqlite_raft_io::leading_term() const noexcept {
  const auto* r = static_cast<const raft*>(io_.data);
  return r != nullptr && r->state == RAFT_LEADER ? r->current_term : 0;
}

bool sqlite_raft_io::admit(const decoded_message& msg) {
  const raft_message& m = *msg.get();
  if (m.type == RAFT_IO_REQUEST_VOTE && vote_quiet_ms_ > 0 && now_ms_ < started_ms_ + vote_quiet_ms_) {
    ++stats_.votes_quieted;
    return false;  // the candidate retries after its election timeout
  }
  // Credit acks before c-raft sees the result (it may step down on it: a
  // result of another term is never credited).
  if (m.type == RAFT_IO_APPEND_ENTRIES_RESULT)
    lease_.on_append_result(m.server_id, msg.link(), m.append_entries_result.term, leading_term());
  lease_.on_process(m.server_id, msg.link());
  return true;
}

// ------------------------------------------------------------ polling

void sqlite_raft_io::receive(node_id from, std::string_view bytes) {
  if (closing_) return;
  auto msg = decode_message(bytes);
  if (!msg || (*msg)->get()->server_id != from.value) {
    ++stats_.messages_dropped;
    return;
  }
  ++stats_.messages_received;
  inbox_.push_back(std::move(*msg));
}

void sqlite_raft_io::set_time(uint64_t now_ms) noexcept {
  if (now_ms > now_ms_) now_ms_ = now_ms;
}

bool sqlite_raft_io::has_pending_work() const noexcept {
  return !pending_disk_.empty() || !sent_.empty() || !inbox_.empty() || !snapshot_gets_.empty() ||
         !async_work_.empty();
}

int sqlite_raft_io::write_op(const disk_op& op) {
  switch (op.kind) {
    case disk_op::append:
      for (unsigned i = 0; i < op.n; ++i) {
        const raft_entry& e = op.entries[i];
        auto st = log_->put_entry(op.index + i, e.term, e.type,
                                  std::string_view(static_cast<const char*>(e.buf.base), e.buf.len));
        if (!st) return fail_write(st.error());
      }
      stats_.entries_written += op.n;
      return 0;
    case disk_op::truncate:
      if (auto st = log_->truncate_suffix(op.index); !st) return fail_write(st.error());
      return 0;
    case disk_op::snapshot_put: {
      const raft_snapshot* snap = op.snapshot;
      snapshot_record rec;
      rec.index = snap->index;
      rec.term = snap->term;
      rec.conf_index = snap->configuration_index;
      rec.conf = encode_configuration(snap->configuration);
      for (unsigned i = 0; i < snap->n_bufs; ++i) {
        rec.data.append(static_cast<const char*>(snap->bufs[i].base), snap->bufs[i].len);
      }
      if (auto st = log_->put_snapshot(rec); !st) return fail_write(st.error());
      status st;
      if (op.trailing == 0) {
        st = log_->truncate_suffix(0);  // the snapshot replaces the whole log
      } else if (snap->index > op.trailing) {
        st = log_->truncate_prefix(snap->index - op.trailing + 1);
      }
      if (!st) return fail_write(st.error());
      return 0;
    }
  }
  return 0;
}

void sqlite_raft_io::note_written(const disk_op& op) {
  switch (op.kind) {
    case disk_op::append:
      for (unsigned i = 0; i < op.n; ++i) terms_.append(op.index + i, op.entries[i].term);
      return;
    case disk_op::truncate:
      terms_.truncate_suffix(op.index);
      return;
    case disk_op::snapshot_put:
      // Mirrors write_op: trailing == 0 replaced the log, else compaction.
      if (op.trailing == 0) {
        terms_.clear();
      } else if (op.snapshot->index > op.trailing) {
        terms_.truncate_prefix(op.snapshot->index - op.trailing + 1);
      }
      return;
  }
}

bool sqlite_raft_io::flush_disk() {
  if (pending_disk_.empty()) return false;
  auto ops = std::move(pending_disk_);
  pending_disk_.clear();
  int status = 0;
  if (crashed_) {
    status = RAFT_CANCELED;  // never reached the disk
  } else {
    auto started = std::chrono::steady_clock::now();
    if (auto st = log_->begin(); !st) {
      status = fail_write(st.error());
    } else {
      for (const auto& op : ops) {
        if ((status = write_op(op)) != 0) break;
      }
      if (status == 0) {
        if (auto st = log_->commit(); !st) status = fail_write(st.error());
      } else {
        log_->rollback();
      }
    }
    if (status == 0) {
      if (observe_)
        observe_(replica_stage::fsync,
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
      ++stats_.flushes;
      for (const auto& op : ops) note_written(op);
    } else {
      // next_index_ no longer matches the disk: refuse further writes; the
      // owner must rebuild the replica from its file. (fail_write set
      // failure_; a rollback after a failed op needs nothing more.)
      failed_ = true;
    }
  }
  for (const auto& op : ops) {
    if (op.kind == disk_op::append && op.append_req->cb != nullptr) {
      op.append_req->cb(op.append_req, status);
    } else if (op.kind == disk_op::snapshot_put && op.put_req->cb != nullptr) {
      op.put_req->cb(op.put_req, status);
    }
  }
  return true;
}

bool sqlite_raft_io::poll(uint64_t now_ms) {
  set_time(now_ms);
  if (closing_) return false;
  // Writes submitted since the last poll (a leader's new entries) go
  // first, so a newly elected leader has its own-term barrier stored
  // before it processes any AppendEntries result (see class comment).
  bool did = flush_disk();

  // Then received messages, so the appends they cause share one batch.
  while (!inbox_.empty() && recv_cb_ != nullptr) {
    auto msg = std::move(inbox_.front());
    inbox_.pop_front();
    if (!admit(*msg)) continue;  // the decoded message frees what it owns
    msg->release();  // c-raft owns the entries / snapshot data from here
    raft_message* m = msg->get();
    if (m->type == RAFT_IO_APPEND_ENTRIES) cap_leader_commit(m->append_entries);
    recv_cb_(&io_, m);
    did = true;
  }
  if (tick_cb_ != nullptr && now_ms_ >= next_tick_) {
    next_tick_ = now_ms_ + tick_interval_;
    ++stats_.ticks;
    tick_cb_(&io_);
    did = true;
  }
  if (!async_work_.empty()) {
    auto work = std::move(async_work_);
    async_work_.clear();
    for (auto* w : work) w->cb(w, w->work(w));
    did = true;
  }
  // Group commit: one transaction, one fsync for everything queued since.
  did = flush_disk() || did;
  if (!snapshot_gets_.empty()) {
    complete_snapshot_gets(0);
    did = true;
  }
  if (!sent_.empty()) {
    auto sent = std::move(sent_);
    sent_.clear();
    for (auto* req : sent) {
      if (req->cb != nullptr) req->cb(req, 0);
    }
    did = true;
  }
  return did;
}

}  // namespace ropekv::consensus
