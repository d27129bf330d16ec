// ropekv::sqlite: connection, statement cache, transactions, error mapping.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "ropekv/sqlite/connection.hpp"
#include "ropekv/sqlite/error.hpp"
#include "ropekv/sqlite/transaction.hpp"

namespace ropekv::sqlite {
namespace {

// A path under gtest's temp dir, unique to this process.
std::string temp_path(const std::string& name) {
  return testing::TempDir() + "ropekv_sqlite_test_" + std::to_string(getpid()) + "_" + name;
}

std::unique_ptr<connection> open_ok(const std::string& path) {
  auto db = connection::open(path);
  EXPECT_TRUE(db.ok()) << (db.ok() ? "" : db.error().message);
  return db.ok() ? std::move(*db) : nullptr;
}

std::unique_ptr<connection> memory_with_table() {
  auto db = open_ok(":memory:");
  EXPECT_TRUE(db->exec("CREATE TABLE t(k BLOB PRIMARY KEY, v TEXT, n INTEGER)").ok());
  return db;
}

status insert(connection& db, std::string_view k, std::string_view v, int64_t n) {
  auto s = db.prepare("INSERT INTO t(k, v, n) VALUES(?1, ?2, ?3)");
  if (!s) return std::move(s).error();
  return s->bind_blob(1, k).bind_text(2, v).bind(3, n).run();
}

TEST(Sqlite, InMemoryRoundTripsValues) {
  auto db = memory_with_table();
  const std::string key("a\0b", 3);
  ASSERT_TRUE(insert(*db, key, "text", -7).ok());
  ASSERT_TRUE(insert(*db, "", "", 1).ok());
  EXPECT_EQ(db->changes(), 1);

  auto s = db->prepare("SELECT k, v, n, typeof(k), typeof(v) FROM t ORDER BY k");
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE(s->step().value());
  // Empty blob and text are stored as such, not as NULL.
  EXPECT_FALSE(s->is_null(0));
  EXPECT_EQ(s->bytes(3), "blob");
  EXPECT_EQ(s->bytes(4), "text");
  EXPECT_EQ(s->blob(0), "");
  ASSERT_TRUE(s->step().value());
  EXPECT_EQ(s->bytes(0), key);
  EXPECT_EQ(s->blob(1), "text");
  EXPECT_EQ(s->i64(2), -7);
  EXPECT_EQ(s->u64(2), static_cast<uint64_t>(int64_t{-7}));
  EXPECT_FALSE(s->step().value());
  EXPECT_EQ(db->query_int("SELECT COUNT(*) FROM t").value(), 2);
  EXPECT_EQ(db->query_int("SELECT n FROM t WHERE 0").value(), 0);
}

TEST(Sqlite, CachedStatementIsResetAndUnboundAfterUse) {
  auto db = memory_with_table();
  ASSERT_TRUE(insert(*db, "a", "x", 1).ok());
  const char* sql = "SELECT COUNT(*) FROM t WHERE k = ?1";
  {
    auto s = db->prepare(sql);
    ASSERT_TRUE(s.ok());
    s->bind_blob(1, "a");
    ASSERT_TRUE(s->step().value());
    EXPECT_EQ(s->i64(0), 1);
  }  // left mid-result: reset and unbound here
  auto s = db->prepare(sql);
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE(s->step().value());  // ?1 is NULL again
  EXPECT_EQ(s->i64(0), 0);
}

TEST(Sqlite, NestedPrepareOfTheSameSqlGetsAPrivateStatement) {
  auto db = memory_with_table();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(insert(*db, std::string(1, char('a' + i)), "v", i).ok());
  const char* sql = "SELECT n FROM t ORDER BY k";
  auto outer = db->prepare(sql);
  ASSERT_TRUE(outer.ok());
  ASSERT_TRUE(outer->step().value());
  int64_t inner_sum = 0;
  {
    auto inner = db->prepare(sql);  // the cached one is mid-step
    ASSERT_TRUE(inner.ok());
    while (inner->step().value()) inner_sum += inner->i64(0);
  }
  EXPECT_EQ(inner_sum, 0 + 1 + 2);
  // The outer cursor did not move.
  EXPECT_EQ(outer->i64(0), 0);
  ASSERT_TRUE(outer->step().value());
  EXPECT_EQ(outer->i64(0), 1);
}

TEST(Sqlite, TransactionCommitsOrRollsBackOnScopeExit) {
  auto db = memory_with_table();
  {
    auto txn = transaction::begin(*db);
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE(insert(*db, "kept", "v", 1).ok());
    ASSERT_TRUE(txn->commit().ok());
  }
  {
    auto txn = transaction::begin(*db);
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE(insert(*db, "dropped", "v", 2).ok());
    EXPECT_EQ(db->query_int("SELECT COUNT(*) FROM t").value(), 2);
  }  // no commit: rolled back
  EXPECT_EQ(db->query_int("SELECT COUNT(*) FROM t").value(), 1);
  EXPECT_EQ(db->query_int("SELECT n FROM t WHERE k = x'6b657074'").value(), 1);
  // The connection is usable for a new transaction afterwards.
  auto txn = transaction::begin(*db);
  ASSERT_TRUE(txn.ok());
  EXPECT_TRUE(txn->commit().ok());
}

TEST(Sqlite, ConstraintViolationIsInternal) {
  auto db = memory_with_table();
  ASSERT_TRUE(insert(*db, "a", "x", 1).ok());
  auto r = insert(*db, "a", "y", 2);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, errc::internal);
  EXPECT_NE(r.error().message.find("UNIQUE"), std::string::npos) << r.error().message;
  // The statement was reset: the cached one works again.
  EXPECT_TRUE(insert(*db, "b", "y", 2).ok());
}

TEST(Sqlite, BadSqlIsInternal) {
  auto db = open_ok(":memory:");
  auto s = db->prepare("SELEKT 1");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, errc::internal);
  EXPECT_EQ(s.error().message.rfind("prepare: ", 0), 0u) << s.error().message;
}

TEST(Sqlite, NonDatabaseFileIsCorrupt) {
  const auto path = temp_path("garbage.db");
  {
    std::ofstream f(path, std::ios::binary);
    f << std::string(8192, 'G');
  }
  auto db = open_ok(path);  // SQLite reads the header lazily
  ASSERT_TRUE(db);
  auto r = db->query_int("PRAGMA user_version");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, errc::corrupt) << r.error().message;
  db.reset();
  std::filesystem::remove(path);
}

TEST(Sqlite, UnopenablePathIsIoError) {
  auto db = connection::open(temp_path("no-such-dir/x.db"));
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().code, errc::io_error);
  EXPECT_EQ(db.error().message.rfind("open ", 0), 0u) << db.error().message;
}

TEST(Sqlite, ErrorMapping) {
  EXPECT_EQ(to_error(SQLITE_CORRUPT, nullptr, "x").code, errc::corrupt);
  EXPECT_EQ(to_error(SQLITE_NOTADB, nullptr, "x").code, errc::corrupt);
  EXPECT_EQ(to_error(SQLITE_IOERR_WRITE, nullptr, "x").code, errc::io_error);
  EXPECT_EQ(to_error(SQLITE_BUSY, nullptr, "x").code, errc::io_error);
  EXPECT_EQ(to_error(SQLITE_FULL, nullptr, "x").code, errc::insufficient_storage);
  EXPECT_EQ(to_error(SQLITE_TOOBIG, nullptr, "x").code, errc::too_large);
  EXPECT_EQ(to_error(SQLITE_CONSTRAINT_UNIQUE, nullptr, "x").code, errc::internal);
  EXPECT_EQ(to_error(SQLITE_BUSY, nullptr, "ctx").message, std::string("ctx: ") + sqlite3_errstr(SQLITE_BUSY));
}

}  // namespace
}  // namespace ropekv::sqlite
