#include "ropekv/sqlite/stmt.hpp"

#include "ropekv/sqlite/error.hpp"

namespace ropekv::sqlite {

stmt::~stmt() {
  if (s_ == nullptr) return;
  if (in_use_ == nullptr) {
    sqlite3_finalize(s_);
    return;
  }
  sqlite3_reset(s_);
  sqlite3_clear_bindings(s_);
  *in_use_ = false;
}

stmt& stmt::bind(int i, int64_t v) {
  sqlite3_bind_int64(s_, i, v);
  return *this;
}

stmt& stmt::bind_blob(int i, std::string_view v) {
  // A zero-length blob must still be a BLOB, not NULL: pass a non-null pointer.
  static const char empty = 0;
  sqlite3_bind_blob64(s_, i, v.empty() ? &empty : v.data(), v.size(), SQLITE_TRANSIENT);
  return *this;
}

stmt& stmt::bind_text(int i, std::string_view v) {
  // Likewise an empty string_view may have a null data(): '' is not NULL.
  sqlite3_bind_text64(s_, i, v.data() != nullptr ? v.data() : "", v.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  return *this;
}

stmt& stmt::bind_null(int i) {
  sqlite3_bind_null(s_, i);
  return *this;
}

result<bool> stmt::step() {
  int rc = sqlite3_step(s_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return to_error(rc, sqlite3_db_handle(s_), "step");
}

status stmt::run() {
  int rc = sqlite3_step(s_);
  if (rc == SQLITE_DONE || rc == SQLITE_ROW) return {};
  return to_error(rc, sqlite3_db_handle(s_), "run");
}

std::string_view stmt::blob(int col) const {
  const void* p = sqlite3_column_blob(s_, col);
  int n = sqlite3_column_bytes(s_, col);
  if (p == nullptr || n <= 0) return {};
  return {static_cast<const char*>(p), static_cast<size_t>(n)};
}

}  // namespace ropekv::sqlite
