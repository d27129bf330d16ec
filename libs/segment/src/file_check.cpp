#include "file_check.hpp"

#include <sqlite3.h>
#include <xxhash.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <vector>

namespace ropekv::segment::detail {
namespace {

namespace fs = std::filesystem;

std::string seal_path(const std::string& path) { return path + ".seal"; }

struct file_digest {
  uint64_t size = 0;
  uint64_t hash = 0;
};

result<file_digest> digest_file(const std::string& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) return make_error(errc::io_error, "open " + path + " to hash it");
  std::unique_ptr<XXH64_state_t, XXH_errorcode (*)(XXH64_state_t*)> h(XXH64_createState(), &XXH64_freeState);
  XXH64_reset(h.get(), 0);
  std::vector<char> buf(1 << 16);
  file_digest out;
  for (size_t n; (n = std::fread(buf.data(), 1, buf.size(), f.get())) > 0;) {
    XXH64_update(h.get(), buf.data(), n);
    out.size += n;
  }
  if (std::ferror(f.get())) return make_error(errc::io_error, "read " + path + " to hash it");
  out.hash = XXH64_digest(h.get());
  return out;
}

}  // namespace

status quick_check(const std::string& path) {
  sqlite3* raw = nullptr;
  // Read-write (never create): after a crash the WAL's index may need
  // rebuilding, which a read-only connection cannot do. quick_check itself
  // writes nothing.
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr);
  std::unique_ptr<sqlite3, int (*)(sqlite3*)> db(raw, &sqlite3_close);
  if (rc != SQLITE_OK)
    return make_error(rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT ? errc::corrupt : errc::io_error,
                      "open " + path + " for quick_check: " + sqlite3_errstr(rc));
  sqlite3_stmt* raw_stmt = nullptr;
  rc = sqlite3_prepare_v2(db.get(), "PRAGMA quick_check(5)", -1, &raw_stmt, nullptr);
  std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> stmt(raw_stmt, &sqlite3_finalize);
  if (rc != SQLITE_OK) {
    errc code = (rc & 0xff) == SQLITE_NOTADB || (rc & 0xff) == SQLITE_CORRUPT ? errc::corrupt : errc::io_error;
    return make_error(code, "quick_check of " + path + ": " + sqlite3_errmsg(db.get()));
  }
  std::string problems;
  while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt.get(), 0));
    std::string line = text != nullptr ? text : "";
    if (line == "ok") continue;
    problems += (problems.empty() ? "" : "; ") + line;
  }
  if (rc != SQLITE_DONE) {
    int base = rc & 0xff;
    if (base != SQLITE_CORRUPT && base != SQLITE_NOTADB)
      return make_error(errc::io_error, "quick_check of " + path + ": " + sqlite3_errmsg(db.get()));
    problems += (problems.empty() ? "" : "; ") + std::string(sqlite3_errmsg(db.get()));
  }
  if (!problems.empty()) return make_error(errc::corrupt, "quick_check of " + path + " failed: " + problems);
  return {};
}

status write_seal(const std::string& path) {
  std::error_code ec;
  if (fs::exists(path + "-wal", ec) && fs::file_size(path + "-wal", ec) > 0) return {};
  auto d = digest_file(path);
  if (!d) return std::move(d).error();
  std::string tmp = seal_path(path) + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << d->size << ' ' << d->hash << '\n';
    if (!out.flush()) return make_error(errc::io_error, "write " + tmp);
  }
  fs::rename(tmp, seal_path(path), ec);
  if (ec) return make_error(errc::io_error, "rename " + tmp + ": " + ec.message());
  return {};
}

status check_seal(const std::string& path) {
  std::error_code ec;
  const std::string seal = seal_path(path);
  if (!fs::exists(seal, ec)) return {};
  file_digest want;
  {
    std::ifstream in(seal);
    if (!(in >> want.size >> want.hash)) {
      fs::remove(seal, ec);
      return {};  // a torn seal proves nothing either way
    }
  }
  // A WAL beside the file: the file alone is not what was sealed (it was
  // written after the seal, which a clean close never leaves behind).
  if (fs::exists(path + "-wal", ec) && fs::file_size(path + "-wal", ec) > 0) {
    fs::remove(seal, ec);
    return {};
  }
  auto got = digest_file(path);
  if (!got) return std::move(got).error();
  if (got->size != want.size || got->hash != want.hash) {
    std::ostringstream msg;
    msg << path << " differs from its seal of the last clean close (size " << got->size << " vs " << want.size
        << ", xxh64 " << std::hex << got->hash << " vs " << want.hash << ")";
    return make_error(errc::corrupt, msg.str());
  }
  fs::remove(seal, ec);
  return {};
}

void drop_seal(const std::string& path) {
  std::error_code ec;
  fs::remove(seal_path(path), ec);
}

}  // namespace ropekv::segment::detail
