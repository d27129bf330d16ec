#pragma once
// The baseline: a plain key/value table driven by hand-written SQLite calls,
// with the store's own connection pragmas and transaction shape.
#include <sqlite3.h>

#include <string>
#include <string_view>

#include "ropekv/store/types.hpp"

namespace ropekv::bench {

class raw_sqlite {
 public:
  /// Creates `CREATE TABLE kv(k BLOB PRIMARY KEY, v BLOB)` in a new file.
  raw_sqlite(const std::string& path, const store::store_options& opts);
  ~raw_sqlite();
  raw_sqlite(const raw_sqlite&) = delete;
  raw_sqlite& operator=(const raw_sqlite&) = delete;

  void begin();
  void commit();
  /// One INSERT (inside the caller's transaction).
  void insert(std::string_view key, std::string_view value);
  /// One SELECT, copying the value out as a caller would; false: no row.
  bool select(std::string_view key, std::string& value);

 private:
  void check(int rc, const char* what);
  sqlite3* db_ = nullptr;
  sqlite3_stmt* begin_ = nullptr;
  sqlite3_stmt* commit_ = nullptr;
  sqlite3_stmt* insert_ = nullptr;
  sqlite3_stmt* select_ = nullptr;
};

}  // namespace ropekv::bench
