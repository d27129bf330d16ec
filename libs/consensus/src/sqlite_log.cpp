#include "ropekv/consensus/sqlite_log.hpp"

#include <sqlite3.h>

namespace ropekv::consensus {

namespace {

constexpr const char* schema = R"sql(
CREATE TABLE IF NOT EXISTS raft_meta (
  key TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS raft_entries (
  idx INTEGER PRIMARY KEY,
  term INTEGER NOT NULL,
  type INTEGER NOT NULL,
  payload BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS raft_snapshot (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  last_index INTEGER NOT NULL,
  last_term INTEGER NOT NULL,
  conf_index INTEGER NOT NULL,
  conf BLOB NOT NULL,
  data BLOB NOT NULL
);
)sql";

// Closes a statement when a scope ends (for one-off queries).
struct stmt_guard {
  sqlite3_stmt* s = nullptr;
  ~stmt_guard() { sqlite3_finalize(s); }
};

// Resets a cached statement when a scope ends so it never holds a read lock.
struct reset_guard {
  sqlite3_stmt* s;
  ~reset_guard() {
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
  }
};

int64_t as_i64(uint64_t v) { return static_cast<int64_t>(v); }

std::string_view blob(sqlite3_stmt* s, int col) {
  const void* p = sqlite3_column_blob(s, col);
  int n = sqlite3_column_bytes(s, col);
  if (p == nullptr || n <= 0) return {};
  return {static_cast<const char*>(p), static_cast<size_t>(n)};
}

}  // namespace

error sqlite_log::db_error(std::string_view what) const {
  int rc = db_ != nullptr ? sqlite3_extended_errcode(db_) & 0xff : SQLITE_ERROR;
  std::string msg = "raft log ";
  msg += what;
  msg += ": ";
  msg += db_ != nullptr ? sqlite3_errmsg(db_) : "no connection";
  errc code = (rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB) ? errc::corrupt
              : rc == SQLITE_FULL                            ? errc::insufficient_storage
                                                             : errc::io_error;
  return make_error(code, std::move(msg));
}

status sqlite_log::exec(const char* sql) {
  if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) return db_error(sql);
  return {};
}

result<std::unique_ptr<sqlite_log>> sqlite_log::open(const std::string& path,
                                                     const sqlite_log_options& options) {
  std::unique_ptr<sqlite_log> log(new sqlite_log());
  log->path_ = path;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &log->db_, flags, nullptr) != SQLITE_OK) {
    return log->db_error("open " + path);
  }
  sqlite3_busy_timeout(log->db_, options.busy_timeout_ms);
  // WAL: the store's connection reads while we append. FULL syncs the WAL
  // on every commit, which is what makes an append callback a promise.
  if (auto st = log->exec("PRAGMA journal_mode=WAL"); !st) return st.error();
  if (auto st = log->exec(options.durable ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=OFF"); !st) {
    return st.error();
  }
  if (auto st = log->exec(schema); !st) return st.error();
  if (options.max_pages != 0) {
    std::string pragma = "PRAGMA max_page_count=" + std::to_string(options.max_pages);
    if (auto st = log->exec(pragma.c_str()); !st) return st.error();
  }
  if (auto st = log->prepare_all(); !st) return st.error();
  return log;
}

status sqlite_log::prepare_all() {
  struct {
    const char* sql;
    sqlite3_stmt** out;
  } stmts[] = {
      {"INSERT OR REPLACE INTO raft_entries(idx, term, type, payload) VALUES (?1, ?2, ?3, ?4)", &put_entry_},
      {"DELETE FROM raft_entries WHERE idx >= ?1", &truncate_suffix_},
      {"DELETE FROM raft_entries WHERE idx < ?1", &truncate_prefix_},
      {"INSERT OR REPLACE INTO raft_meta(key, value) VALUES (?1, ?2)", &put_meta_},
      {"BEGIN IMMEDIATE", &begin_},
      {"COMMIT", &commit_},
  };
  for (auto& s : stmts) {
    if (sqlite3_prepare_v3(db_, s.sql, -1, SQLITE_PREPARE_PERSISTENT, s.out, nullptr) != SQLITE_OK) {
      return db_error(s.sql);
    }
  }
  return {};
}

sqlite_log::~sqlite_log() {
  if (in_tx_) rollback();
  for (auto* s : {put_entry_, truncate_suffix_, truncate_prefix_, put_meta_, begin_, commit_}) {
    sqlite3_finalize(s);
  }
  sqlite3_close(db_);
}

result<hard_state> sqlite_log::load_hard_state() {
  stmt_guard g;
  if (sqlite3_prepare_v2(db_, "SELECT key, value FROM raft_meta", -1, &g.s, nullptr) != SQLITE_OK) {
    return db_error("load meta");
  }
  hard_state hs;
  int rc;
  while ((rc = sqlite3_step(g.s)) == SQLITE_ROW) {
    std::string_view key(reinterpret_cast<const char*>(sqlite3_column_text(g.s, 0)));
    auto value = static_cast<uint64_t>(sqlite3_column_int64(g.s, 1));
    if (key == "term") hs.term = value;
    if (key == "vote") hs.vote = value;
  }
  if (rc != SQLITE_DONE) return db_error("load meta");
  return hs;
}

status sqlite_log::put_hard_state(const hard_state& hs) {
  for (auto [key, value] : {std::pair{"term", hs.term}, std::pair{"vote", hs.vote}}) {
    reset_guard r{put_meta_};
    sqlite3_bind_text(put_meta_, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_int64(put_meta_, 2, as_i64(value));
    if (sqlite3_step(put_meta_) != SQLITE_DONE) return db_error("save term/vote");
  }
  return {};
}

status sqlite_log::save_hard_state(const hard_state& hs) {
  if (auto st = begin(); !st) return st;
  if (auto st = put_hard_state(hs); !st) {
    rollback();
    return st;
  }
  return commit();
}

status sqlite_log::begin() {
  reset_guard r{begin_};
  if (sqlite3_step(begin_) != SQLITE_DONE) return db_error("begin");
  in_tx_ = true;
  return {};
}

status sqlite_log::commit() {
  reset_guard r{commit_};
  if (sqlite3_step(commit_) != SQLITE_DONE) {
    auto err = db_error("commit");
    rollback();
    return err;
  }
  in_tx_ = false;
  ++commits_;
  return {};
}

void sqlite_log::rollback() noexcept {
  if (sqlite3_get_autocommit(db_) == 0) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  in_tx_ = false;
}

status sqlite_log::put_entry(uint64_t index, uint64_t term, uint16_t type, std::string_view payload) {
  reset_guard r{put_entry_};
  sqlite3_bind_int64(put_entry_, 1, as_i64(index));
  sqlite3_bind_int64(put_entry_, 2, as_i64(term));
  sqlite3_bind_int(put_entry_, 3, type);
  // Zero-length blobs must still be blobs (NOT NULL), hence "" not nullptr.
  sqlite3_bind_blob(put_entry_, 4, payload.empty() ? "" : payload.data(),
                    static_cast<int>(payload.size()), SQLITE_STATIC);
  if (sqlite3_step(put_entry_) != SQLITE_DONE) return db_error("put entry");
  return {};
}

status sqlite_log::truncate_suffix(uint64_t from) {
  reset_guard r{truncate_suffix_};
  sqlite3_bind_int64(truncate_suffix_, 1, as_i64(from));
  if (sqlite3_step(truncate_suffix_) != SQLITE_DONE) return db_error("truncate suffix");
  return {};
}

status sqlite_log::truncate_prefix(uint64_t before) {
  reset_guard r{truncate_prefix_};
  sqlite3_bind_int64(truncate_prefix_, 1, as_i64(before));
  if (sqlite3_step(truncate_prefix_) != SQLITE_DONE) return db_error("truncate prefix");
  return {};
}

status sqlite_log::put_snapshot(const snapshot_record& s) {
  stmt_guard g;
  const char* sql =
      "INSERT OR REPLACE INTO raft_snapshot(id, last_index, last_term, conf_index, conf, data) "
      "VALUES (1, ?1, ?2, ?3, ?4, ?5)";
  if (sqlite3_prepare_v2(db_, sql, -1, &g.s, nullptr) != SQLITE_OK) return db_error("put snapshot");
  sqlite3_bind_int64(g.s, 1, as_i64(s.index));
  sqlite3_bind_int64(g.s, 2, as_i64(s.term));
  sqlite3_bind_int64(g.s, 3, as_i64(s.conf_index));
  sqlite3_bind_blob64(g.s, 4, s.conf.data(), s.conf.size(), SQLITE_STATIC);
  sqlite3_bind_blob64(g.s, 5, s.data.data(), s.data.size(), SQLITE_STATIC);
  if (sqlite3_step(g.s) != SQLITE_DONE) return db_error("put snapshot");
  return {};
}

result<std::optional<snapshot_record>> sqlite_log::load_snapshot() {
  stmt_guard g;
  const char* sql = "SELECT last_index, last_term, conf_index, conf, data FROM raft_snapshot WHERE id = 1";
  if (sqlite3_prepare_v2(db_, sql, -1, &g.s, nullptr) != SQLITE_OK) return db_error("load snapshot");
  int rc = sqlite3_step(g.s);
  if (rc == SQLITE_DONE) return std::optional<snapshot_record>{};
  if (rc != SQLITE_ROW) return db_error("load snapshot");
  snapshot_record s;
  s.index = static_cast<uint64_t>(sqlite3_column_int64(g.s, 0));
  s.term = static_cast<uint64_t>(sqlite3_column_int64(g.s, 1));
  s.conf_index = static_cast<uint64_t>(sqlite3_column_int64(g.s, 2));
  s.conf = std::string(blob(g.s, 3));
  s.data = std::string(blob(g.s, 4));
  return std::optional<snapshot_record>(std::move(s));
}

status sqlite_log::for_each_entry(uint64_t from,
                                  const std::function<status(const log_entry_view&)>& fn) {
  stmt_guard g;
  const char* sql = "SELECT idx, term, type, payload FROM raft_entries WHERE idx >= ?1 ORDER BY idx";
  if (sqlite3_prepare_v2(db_, sql, -1, &g.s, nullptr) != SQLITE_OK) return db_error("read entries");
  sqlite3_bind_int64(g.s, 1, as_i64(from));
  int rc;
  while ((rc = sqlite3_step(g.s)) == SQLITE_ROW) {
    log_entry_view e;
    e.index = static_cast<uint64_t>(sqlite3_column_int64(g.s, 0));
    e.term = static_cast<uint64_t>(sqlite3_column_int64(g.s, 1));
    e.type = static_cast<uint16_t>(sqlite3_column_int(g.s, 2));
    e.payload = blob(g.s, 3);
    if (auto st = fn(e); !st) return st;
  }
  if (rc != SQLITE_DONE) return db_error("read entries");
  return {};
}

result<sqlite_log::range> sqlite_log::entry_range() {
  stmt_guard g;
  const char* sql =
      "SELECT COALESCE(MIN(idx), 0), COALESCE(MAX(idx), 0), COUNT(*), COALESCE(SUM(LENGTH(payload)), 0) "
      "FROM raft_entries";
  if (sqlite3_prepare_v2(db_, sql, -1, &g.s, nullptr) != SQLITE_OK) return db_error("entry range");
  if (sqlite3_step(g.s) != SQLITE_ROW) return db_error("entry range");
  range r;
  r.first = static_cast<uint64_t>(sqlite3_column_int64(g.s, 0));
  r.last = static_cast<uint64_t>(sqlite3_column_int64(g.s, 1));
  r.count = static_cast<uint64_t>(sqlite3_column_int64(g.s, 2));
  r.payload_bytes = static_cast<uint64_t>(sqlite3_column_int64(g.s, 3));
  return r;
}

}  // namespace ropekv::consensus
