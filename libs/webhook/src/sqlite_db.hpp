#pragma once
// Minimal RAII over the SQLite C API for the delivery store, and the one
// place in this library where SQLite result codes become ropekv errors.
// (libs/store has its own, richer layer; this one is private to webhook so
// the notifier does not link the segment store.)
//
// Not thread-safe: the owner serialises access.
#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "ropekv/common/result.hpp"

namespace ropekv::webhook::detail {

/// corrupt / not-a-database -> corrupt; disk, I/O, busy, locked, read-only
/// -> io_error; anything else -> internal.
ropekv::error sqlite_error(int rc, sqlite3* db, std::string_view context);

/// A prepared statement, finalized on destruction.
class statement {
 public:
  statement(sqlite3_stmt* s) : s_(s) {}  // NOLINT: owns s
  statement(statement&& o) noexcept : s_(o.s_) { o.s_ = nullptr; }
  statement(const statement&) = delete;
  statement& operator=(const statement&) = delete;
  statement& operator=(statement&&) = delete;
  ~statement() { sqlite3_finalize(s_); }

  statement& bind(int i, int64_t v);
  statement& bind_text(int i, std::string_view v);
  statement& bind_blob(int i, std::string_view v);

  /// true: a row is ready; false: done.
  result<bool> step();
  /// Steps a statement that returns no rows.
  status run();

  int64_t i64(int col) const { return sqlite3_column_int64(s_, col); }
  /// Text or blob column as bytes (empty for NULL).
  std::string bytes(int col) const;

 private:
  sqlite3_stmt* s_;
};

class connection {
 public:
  /// Opens (creating) a database file; ":memory:" works.
  static result<std::unique_ptr<connection>> open(const std::string& path);
  ~connection();
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  status exec(std::string_view sql);
  result<statement> prepare(std::string_view sql);
  result<int64_t> query_int(std::string_view sql);

 private:
  explicit connection(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

}  // namespace ropekv::webhook::detail
