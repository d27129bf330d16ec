// catalog_db replication: batches recorded by a SQLite session (the leader
// side) and changesets / file images applied to a plain connection (the
// state-machine side). See catalog_db.hpp, "Replication", for the rules a
// table or method must follow to replicate without code of its own.
#include <sqlite3.h>

#include <cstring>

#include "ropekv/catalog/catalog_db.hpp"

namespace ropekv::catalog {
namespace {

error sqlite_error(sqlite3* db, const std::string& what) {
  return make_error(errc::io_error, what + ": " + sqlite3_errmsg(db));
}

// Plain SQL, bypassing catalog_db::exec's savepoint translation.
status raw_exec(sqlite3* db, const char* sql) {
  char* msg = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
    std::string text = msg ? msg : "unknown";
    sqlite3_free(msg);
    return make_error(errc::io_error, std::string(sql) + ": " + text);
  }
  return {};
}

// The applied index is local bookkeeping: every instance writes its own in
// the same transaction as the change, so it is never part of a changeset.
int record_table(void*, const char* table) { return std::strcmp(table, "catalog_applied") != 0; }

// Every instance applies the same changesets to the same prior state, so
// no conflict is expected. Should one occur anyway (a file restored from an
// older image), the log's version of the row wins and a missing row stays
// missing: the log is the truth.
int on_conflict(void*, int kind, sqlite3_changeset_iter*) {
  if (kind == SQLITE_CHANGESET_DATA || kind == SQLITE_CHANGESET_CONFLICT) return SQLITE_CHANGESET_REPLACE;
  return SQLITE_CHANGESET_OMIT;
}

}  // namespace

status catalog_db::begin_batch() {
  if (auto st = raw_exec(db_, "BEGIN"); !st) return st;
  if (sqlite3session_create(db_, "main", &session_) != SQLITE_OK) {
    session_ = nullptr;
    (void)raw_exec(db_, "ROLLBACK");
    return sqlite_error(db_, "create session");
  }
  sqlite3session_table_filter(session_, record_table, nullptr);
  if (sqlite3session_attach(session_, nullptr) != SQLITE_OK) return sqlite_error(db_, "attach session");
  return {};
}

status catalog_db::replicate_through(commit_sink& sink) {
  if (sink_ != nullptr) return make_error(errc::invalid_argument, "catalog already replicated");
  sink_ = &sink;
  if (auto st = begin_batch(); !st) {
    sink_ = nullptr;
    return st;
  }
  return {};
}

status catalog_db::commit_batch() {
  if (sink_ == nullptr) return make_error(errc::invalid_argument, "catalog is not replicated");
  std::string changes;
  if (session_ != nullptr && !sqlite3session_isempty(session_)) {
    int n = 0;
    void* p = nullptr;
    if (sqlite3session_changeset(session_, &n, &p) != SQLITE_OK) return sqlite_error(db_, "changeset");
    changes.assign(static_cast<const char*>(p), static_cast<size_t>(n));
    sqlite3_free(p);
  }
  if (session_ != nullptr) sqlite3session_delete(session_);
  session_ = nullptr;
  status outcome;
  if (changes.empty()) {
    // Only reads (or writes undone by a savepoint): nothing to replicate,
    // but end the read transaction so the next batch sees fresh data.
    outcome = raw_exec(db_, "COMMIT");
  } else {
    outcome = sink_->replicate(*this, std::move(changes));
  }
  if (!outcome && !sqlite3_get_autocommit(db_)) (void)raw_exec(db_, "ROLLBACK");
  if (auto st = begin_batch(); !st) return outcome ? st : outcome;
  return outcome;
}

status catalog_db::commit_local(uint64_t index) {
  if (auto st = set_applied(index); !st) return st;
  return raw_exec(db_, "COMMIT");
}

status catalog_db::set_applied(uint64_t index) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db_, "INSERT OR REPLACE INTO catalog_applied(one, log_index) VALUES (1, ?1)", -1, &s,
                         nullptr) != SQLITE_OK)
    return sqlite_error(db_, "prepare applied index");
  sqlite3_bind_int64(s, 1, static_cast<sqlite3_int64>(index));
  int rc = sqlite3_step(s);
  sqlite3_finalize(s);
  if (rc != SQLITE_DONE) return sqlite_error(db_, "save applied index");
  return {};
}

result<uint64_t> catalog_db::applied_index() {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db_, "SELECT log_index FROM catalog_applied WHERE one = 1", -1, &s, nullptr) !=
      SQLITE_OK)
    return sqlite_error(db_, "read applied index");
  int rc = sqlite3_step(s);
  uint64_t index = rc == SQLITE_ROW ? static_cast<uint64_t>(sqlite3_column_int64(s, 0)) : 0;
  sqlite3_finalize(s);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return sqlite_error(db_, "read applied index");
  return index;
}

status catalog_db::apply_changeset(uint64_t index, std::string_view changeset) {
  if (sink_ != nullptr) return make_error(errc::invalid_argument, "apply_changeset on a replicated batch");
  auto applied = applied_index();
  if (!applied) return applied.error();
  if (index <= *applied) return {};  // replayed after a restart: already here
  if (auto st = raw_exec(db_, "BEGIN IMMEDIATE"); !st) return st;
  auto fail = [this](error e) -> status {
    (void)raw_exec(db_, "ROLLBACK");
    return e;
  };
  if (!changeset.empty()) {
    int rc = sqlite3changeset_apply(db_, static_cast<int>(changeset.size()), const_cast<char*>(changeset.data()),
                                    nullptr, on_conflict, nullptr);
    if (rc != SQLITE_OK) return fail(sqlite_error(db_, "apply changeset at " + std::to_string(index)));
  }
  if (auto st = set_applied(index); !st) return fail(st.error());
  return raw_exec(db_, "COMMIT");
}

result<std::string> catalog_db::image() {
  // Copy into memory first (the backup API reads a consistent snapshot of
  // the WAL file), then serialize the in-memory copy.
  sqlite3* mem = nullptr;
  if (sqlite3_open(":memory:", &mem) != SQLITE_OK) {
    sqlite3_close(mem);
    return make_error(errc::io_error, "open in-memory copy");
  }
  auto* b = sqlite3_backup_init(mem, "main", db_, "main");
  if (b == nullptr) {
    auto e = sqlite_error(mem, "backup catalog");
    sqlite3_close(mem);
    return e;
  }
  int rc = sqlite3_backup_step(b, -1);
  sqlite3_backup_finish(b);
  if (rc != SQLITE_DONE) {
    sqlite3_close(mem);
    return make_error(errc::io_error, "backup catalog: " + std::string(sqlite3_errstr(rc)));
  }
  sqlite3_int64 size = 0;
  unsigned char* bytes = sqlite3_serialize(mem, "main", &size, 0);
  std::string out;
  if (bytes != nullptr) out.assign(reinterpret_cast<const char*>(bytes), static_cast<size_t>(size));
  sqlite3_free(bytes);
  sqlite3_close(mem);
  if (bytes == nullptr) return make_error(errc::io_error, "serialize catalog");
  return out;
}

status catalog_db::restore_image(uint64_t index, std::string_view image) {
  if (sink_ != nullptr) return make_error(errc::invalid_argument, "restore_image on a replicated batch");
  if (image.size() < 100) return make_error(errc::corrupt, "catalog image too short");
  sqlite3* mem = nullptr;
  if (sqlite3_open(":memory:", &mem) != SQLITE_OK) {
    sqlite3_close(mem);
    return make_error(errc::io_error, "open in-memory image");
  }
  auto* buf = static_cast<unsigned char*>(sqlite3_malloc64(image.size()));
  if (buf == nullptr) {
    sqlite3_close(mem);
    return make_error(errc::io_error, "out of memory for the catalog image");
  }
  std::memcpy(buf, image.data(), image.size());
  // Bytes 18/19 of the header say WAL when the source file was; an
  // in-memory database cannot open in WAL mode, so mark it rollback.
  buf[18] = 1;
  buf[19] = 1;
  int rc = sqlite3_deserialize(mem, "main", buf, static_cast<sqlite3_int64>(image.size()),
                               static_cast<sqlite3_int64>(image.size()),
                               SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_RESIZEABLE);
  if (rc != SQLITE_OK) {
    sqlite3_close(mem);
    return make_error(errc::corrupt, "catalog image unreadable");
  }
  auto* b = sqlite3_backup_init(db_, "main", mem, "main");
  if (b == nullptr) {
    sqlite3_close(mem);
    return sqlite_error(db_, "restore catalog");
  }
  rc = sqlite3_backup_step(b, -1);
  sqlite3_backup_finish(b);
  sqlite3_close(mem);
  if (rc != SQLITE_DONE) return make_error(errc::io_error, "restore catalog: " + std::string(sqlite3_errstr(rc)));
  // The image already carries its applied index; the snapshot's index is
  // the authority should they differ.
  return set_applied(index);
}

}  // namespace ropekv::catalog
