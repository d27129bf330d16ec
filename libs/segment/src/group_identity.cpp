#include "group_identity.hpp"

#include <sqlite3.h>

#include <memory>

namespace ropekv::segment::detail {
namespace {

struct db_closer {
  void operator()(sqlite3* db) const { sqlite3_close(db); }
};
using db_ptr = std::unique_ptr<sqlite3, db_closer>;

result<db_ptr> open_db(const std::string& path, bool create) {
  sqlite3* raw = nullptr;
  int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  db_ptr db(raw);
  if (rc != SQLITE_OK) {
    return make_error(rc == SQLITE_CANTOPEN ? errc::not_found : errc::io_error,
                      "open " + path + ": " + sqlite3_errstr(rc));
  }
  // The store and the log hold their own connections to the same file.
  sqlite3_busy_timeout(db.get(), 5000);
  return db;
}

status exec(sqlite3* db, const char* sql) {
  char* msg = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
    std::string text = msg != nullptr ? msg : "sqlite error";
    sqlite3_free(msg);
    return make_error(errc::io_error, text);
  }
  return {};
}

}  // namespace

status save_group_id(const std::string& path, uint64_t group) {
  auto db = open_db(path, true);
  if (!db) return std::move(db).error();
  if (auto st = exec(db->get(), "PRAGMA journal_mode=WAL"); !st) return st;
  if (auto st = exec(db->get(),
                     "CREATE TABLE IF NOT EXISTS seg_identity(k TEXT PRIMARY KEY, v INTEGER NOT NULL)");
      !st) {
    return st;
  }
  std::string sql = "INSERT OR REPLACE INTO seg_identity(k, v) VALUES('group_id', " +
                    std::to_string(static_cast<int64_t>(group)) + ")";
  return exec(db->get(), sql.c_str());
}

result<uint64_t> load_group_id(const std::string& path) {
  auto db = open_db(path, false);
  if (!db) return std::move(db).error();
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db->get(), "SELECT v FROM seg_identity WHERE k = 'group_id'", -1,
                              &stmt, nullptr);
  if (rc != SQLITE_OK) {
    return make_error(errc::not_found, path + " is not a segment replica file");
  }
  rc = sqlite3_step(stmt);
  result<uint64_t> out = make_error(errc::not_found, path + " has no group id");
  if (rc == SQLITE_ROW) out = static_cast<uint64_t>(sqlite3_column_int64(stmt, 0));
  else if (rc != SQLITE_DONE) out = make_error(errc::io_error, sqlite3_errmsg(db->get()));
  sqlite3_finalize(stmt);
  return out;
}

}  // namespace ropekv::segment::detail
