#pragma once
// One SQLite connection and its cache of prepared statements.
//
// Owns the handle and every cached statement (keyed by SQL text, finalized
// with the connection). Extended result codes are on. Not thread-safe
// (opened with SQLITE_OPEN_NOMUTEX): the owner serialises every use, and
// every stmt and transaction must end before the connection does.
#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "ropekv/common/result.hpp"
#include "ropekv/sqlite/stmt.hpp"

namespace ropekv::sqlite {

class connection {
 public:
  /// Opens (creating) a database file; ":memory:" works. A file that is not
  /// a database opens, and fails (corrupt) at its first statement.
  static result<std::unique_ptr<connection>> open(const std::string& path);
  ~connection();
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  /// Runs one or more statements that return no rows.
  status exec(std::string_view sql);
  /// The cached statement for `sql`, prepared on first use; when it is being
  /// stepped already (nested use of the same text) a private one is prepared
  /// and finalized instead.
  result<stmt> prepare(std::string_view sql);
  /// The first column of the first row of `sql`; 0 when there is no row.
  result<int64_t> query_int(std::string_view sql);
  /// Rows changed by the last INSERT/UPDATE/DELETE.
  int64_t changes() const { return sqlite3_changes64(db_); }

 private:
  explicit connection(sqlite3* db) : db_(db) {}
  struct cached {
    sqlite3_stmt* s = nullptr;
    std::unique_ptr<bool> in_use;  // on the heap: stmt points at it
  };
  sqlite3* db_;
  std::unordered_map<std::string, cached> cache_;
};

}  // namespace ropekv::sqlite
