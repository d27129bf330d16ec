#include "ropekv/sqlite/transaction.hpp"

#include <utility>

namespace ropekv::sqlite {

result<transaction> transaction::begin(connection& db) {
  if (auto r = db.exec("BEGIN IMMEDIATE"); !r) return std::move(r).error();
  return transaction(&db);
}

transaction::~transaction() {
  if (db_ != nullptr) (void)db_->exec("ROLLBACK");
}

status transaction::commit() {
  auto r = db_->exec("COMMIT");
  if (r) db_ = nullptr;
  return r;
}

}  // namespace ropekv::sqlite
