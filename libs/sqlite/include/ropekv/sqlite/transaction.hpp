#pragma once
// A write transaction on a connection, scoped: BEGIN IMMEDIATE when made,
// ROLLBACK on destruction unless committed, so an error return anywhere in a
// write leaves the file as it was. Borrows the connection, which must
// outlive it; not nestable (SQLite has no nested BEGIN).
#include "ropekv/common/result.hpp"
#include "ropekv/sqlite/connection.hpp"

namespace ropekv::sqlite {

class transaction {
 public:
  static result<transaction> begin(connection& db);
  transaction(transaction&& o) noexcept : db_(o.db_) { o.db_ = nullptr; }
  transaction(const transaction&) = delete;
  transaction& operator=(const transaction&) = delete;
  transaction& operator=(transaction&&) = delete;
  ~transaction();
  /// COMMIT; on failure the transaction is still open and rolls back when
  /// destroyed.
  status commit();

 private:
  explicit transaction(connection* db) : db_(db) {}
  connection* db_;  // null once committed or moved from
};

}  // namespace ropekv::sqlite
