#pragma once
// The one place where SQLite result codes become ropekv errors, for every
// library that uses ropekv::sqlite.
#include <sqlite3.h>

#include <string_view>

#include "ropekv/common/result.hpp"

namespace ropekv::sqlite {

/// Translates `rc` (primary or extended) into an error whose message is
/// "<context>: <SQLite's message>" (the connection's when `db` is given):
/// corrupt / not-a-database / format -> corrupt; full disk, I/O, cannot
/// open, busy, locked, read-only, permission, protocol -> io_error; too big
/// -> too_large; anything else (constraint violations included) -> internal.
ropekv::error to_error(int rc, sqlite3* db, std::string_view context);

}  // namespace ropekv::sqlite
