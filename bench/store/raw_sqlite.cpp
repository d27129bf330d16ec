#include "raw_sqlite.hpp"

#include <cstdio>
#include <cstdlib>

#include "ropekv/store/pragmas.hpp"

namespace ropekv::bench {

raw_sqlite::raw_sqlite(const std::string& path, const store::store_options& opts) {
  check(sqlite3_open(path.c_str(), &db_), "open");
  for (const auto& p : store::connection_pragmas(opts)) {
    check(sqlite3_exec(db_, p.c_str(), nullptr, nullptr, nullptr), p.c_str());
  }
  check(sqlite3_exec(db_, "CREATE TABLE kv(k BLOB PRIMARY KEY, v BLOB)", nullptr, nullptr, nullptr),
        "create");
  check(sqlite3_prepare_v3(db_, "BEGIN IMMEDIATE", -1, SQLITE_PREPARE_PERSISTENT, &begin_, nullptr), "prepare");
  check(sqlite3_prepare_v3(db_, "COMMIT", -1, SQLITE_PREPARE_PERSISTENT, &commit_, nullptr), "prepare");
  check(sqlite3_prepare_v3(db_, "INSERT INTO kv(k, v) VALUES(?1, ?2)", -1, SQLITE_PREPARE_PERSISTENT,
                           &insert_, nullptr), "prepare");
  check(sqlite3_prepare_v3(db_, "SELECT v FROM kv WHERE k=?1", -1, SQLITE_PREPARE_PERSISTENT, &select_,
                           nullptr), "prepare");
}

raw_sqlite::~raw_sqlite() {
  for (auto* s : {begin_, commit_, insert_, select_}) sqlite3_finalize(s);
  sqlite3_close(db_);
}

void raw_sqlite::check(int rc, const char* what) {
  if (rc == SQLITE_OK || rc == SQLITE_ROW || rc == SQLITE_DONE) return;
  std::fprintf(stderr, "raw sqlite %s: %s\n", what, sqlite3_errmsg(db_));
  std::exit(1);
}

void raw_sqlite::begin() {
  check(sqlite3_step(begin_), "begin");
  sqlite3_reset(begin_);
}

void raw_sqlite::commit() {
  check(sqlite3_step(commit_), "commit");
  sqlite3_reset(commit_);
}

void raw_sqlite::insert(std::string_view key, std::string_view value) {
  sqlite3_bind_blob(insert_, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
  sqlite3_bind_blob(insert_, 2, value.data(), static_cast<int>(value.size()), SQLITE_STATIC);
  check(sqlite3_step(insert_), "insert");
  sqlite3_reset(insert_);
}

bool raw_sqlite::select(std::string_view key, std::string& value) {
  sqlite3_bind_blob(select_, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
  int rc = sqlite3_step(select_);
  bool found = rc == SQLITE_ROW;
  if (found) {
    value.assign(static_cast<const char*>(sqlite3_column_blob(select_, 0)),
                 static_cast<size_t>(sqlite3_column_bytes(select_, 0)));
  } else {
    check(rc, "select");
  }
  sqlite3_reset(select_);
  return found;
}

}  // namespace ropekv::bench
