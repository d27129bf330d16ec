#include "ropekv/sqlite/error.hpp"

#include <string>
#include <utility>

namespace ropekv::sqlite {

ropekv::error to_error(int rc, sqlite3* db, std::string_view context) {
  std::string msg(context);
  msg += ": ";
  msg += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  switch (rc & 0xFF) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_FORMAT:
      return make_error(errc::corrupt, std::move(msg));
    case SQLITE_FULL:  // the disk is full: callers answer 507, not 500
      return make_error(errc::insufficient_storage, std::move(msg));
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_PROTOCOL:
      return make_error(errc::io_error, std::move(msg));
    case SQLITE_TOOBIG:
      return make_error(errc::too_large, std::move(msg));
    default:
      return make_error(errc::internal, std::move(msg));
  }
}

}  // namespace ropekv::sqlite
