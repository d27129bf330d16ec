#pragma once
// A prepared statement borrowed from a connection (connection.hpp).
//
// Owns nothing but its turn with the statement: a cached statement is reset
// and unbound when the stmt goes out of scope, so no statement stays
// half-stepped (holding a read snapshot) between calls; a private one (see
// connection::prepare) is finalized instead. Must not outlive its
// connection. Not thread-safe, like the connection.
#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "ropekv/common/result.hpp"

namespace ropekv::sqlite {

class connection;

class stmt {
 public:
  stmt(stmt&& o) noexcept : s_(o.s_), in_use_(o.in_use_) { o.s_ = nullptr; }
  stmt(const stmt&) = delete;
  stmt& operator=(const stmt&) = delete;
  stmt& operator=(stmt&&) = delete;
  ~stmt();

  // Parameters are 1-based; values are copied (SQLITE_TRANSIENT).
  stmt& bind(int i, int64_t v);
  stmt& bind_u64(int i, uint64_t v) { return bind(i, static_cast<int64_t>(v)); }
  /// A zero-length blob is bound as an empty BLOB, never as NULL.
  stmt& bind_blob(int i, std::string_view v);
  stmt& bind_text(int i, std::string_view v);
  stmt& bind_null(int i);

  /// true: a row is ready; false: done.
  result<bool> step();
  /// Steps a statement that returns no rows.
  status run();

  // Columns are 0-based and read the current row.
  int64_t i64(int col) const { return sqlite3_column_int64(s_, col); }
  uint64_t u64(int col) const { return static_cast<uint64_t>(sqlite3_column_int64(s_, col)); }
  bool is_null(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
  /// Blob or text column as bytes (empty for NULL); valid until the next step.
  std::string_view blob(int col) const;
  /// blob(col), copied: outlives the step.
  std::string bytes(int col) const { return std::string(blob(col)); }

 private:
  friend class connection;
  // in_use null: a private statement, finalized on destruction; otherwise
  // the cache's flag, cleared on destruction.
  stmt(sqlite3_stmt* s, bool* in_use) : s_(s), in_use_(in_use) {}

  sqlite3_stmt* s_;
  bool* in_use_;
};

}  // namespace ropekv::sqlite
