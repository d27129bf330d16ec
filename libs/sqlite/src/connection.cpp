#include "ropekv/sqlite/connection.hpp"

#include <utility>

#include "ropekv/sqlite/error.hpp"

namespace ropekv::sqlite {

result<std::unique_ptr<connection>> connection::open(const std::string& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  if (rc != SQLITE_OK) {
    auto err = to_error(rc, db, "open " + path);
    sqlite3_close_v2(db);
    return err;
  }
  sqlite3_extended_result_codes(db, 1);
  return std::unique_ptr<connection>(new connection(db));
}

connection::~connection() {
  for (auto& [sql, c] : cache_) sqlite3_finalize(c.s);
  sqlite3_close_v2(db_);
}

status connection::exec(std::string_view sql) {
  std::string text(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
  if (err != nullptr) sqlite3_free(err);
  if (rc == SQLITE_OK) return {};
  return to_error(rc, db_, "exec");
}

result<stmt> connection::prepare(std::string_view sql) {
  auto it = cache_.find(std::string(sql));
  if (it != cache_.end() && !*it->second.in_use) {
    *it->second.in_use = true;
    return stmt(it->second.s, it->second.in_use.get());
  }
  sqlite3_stmt* s = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              it == cache_.end() ? SQLITE_PREPARE_PERSISTENT : 0, &s, nullptr);
  if (rc != SQLITE_OK) return to_error(rc, db_, "prepare");
  if (it != cache_.end()) return stmt(s, nullptr);  // nested use: a private one
  auto& c = cache_[std::string(sql)];
  c.s = s;
  c.in_use = std::make_unique<bool>(true);
  return stmt(s, c.in_use.get());
}

result<int64_t> connection::query_int(std::string_view sql) {
  auto s = prepare(sql);
  if (!s) return std::move(s).error();
  auto row = s->step();
  if (!row) return std::move(row).error();
  return *row ? s->i64(0) : 0;
}

}  // namespace ropekv::sqlite
