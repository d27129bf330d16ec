// Opening: creation, reopen, segment meta, and refusal of foreign or
// damaged files (errc::corrupt, never a crash).
#include <cstdio>
#include <fstream>
#include <iterator>
#include <random>

#include "test_util.hpp"

namespace ropekv::store::test {
namespace {

TEST(store_open, creates_and_reopens_with_data_and_meta) {
  temp_dir dir;
  auto path = dir.file("seg.db");
  {
    auto s = open_store(path);
    ASSERT_TRUE(s);
    must_apply(*s, make_put(1, "h", "r", "{\"a\":1}", 1000), 7);
    ASSERT_TRUE(s->set_meta({42, "", "", 3}).ok());
  }
  auto s = open_store(path);
  ASSERT_TRUE(s);
  auto it = s->get(1, "h", "r", {});
  ASSERT_TRUE(it.ok());
  EXPECT_EQ(it->value(), "{\"a\":1}");
  EXPECT_EQ(s->applied_index(), 7u);
  EXPECT_EQ(s->meta(), (segment_meta{42, "", "", 3}));
  EXPECT_EQ(raw_sql(path, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(raw_sql(path, "PRAGMA application_id"), std::to_string(application_id));
}

TEST(store_open, garbage_file_is_corrupt) {
  temp_dir dir;
  auto path = dir.file("garbage.db");
  std::mt19937 rng(7);
  std::string bytes(8192, '\0');
  for (auto& c : bytes) c = static_cast<char>(rng());
  write_file(path, bytes);
  auto s = segment_store::open(path);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, errc::corrupt);
  EXPECT_NE(s.error().message.find("not a SQLite database"), std::string::npos) << s.error().message;
}

TEST(store_open, garbage_after_sqlite_header_is_corrupt) {
  temp_dir dir;
  auto path = dir.file("half.db");
  std::string bytes("SQLite format 3", 16);
  std::mt19937 rng(8);
  for (int i = 0; i < 4096; ++i) bytes.push_back(static_cast<char>(rng()));
  write_file(path, bytes);
  auto s = segment_store::open(path);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, errc::corrupt) << s.error().message;
}

TEST(store_open, foreign_sqlite_file_is_corrupt_and_untouched) {
  temp_dir dir;
  auto path = dir.file("foreign.db");
  ASSERT_EQ(raw_exec(path, "CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT);"
                           "INSERT INTO users VALUES(1, 'x');"), "");
  auto s = segment_store::open(path);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, errc::corrupt);
  EXPECT_NE(s.error().message.find("foreign"), std::string::npos) << s.error().message;
  EXPECT_EQ(raw_sql(path, "SELECT name FROM users"), "x");
  EXPECT_EQ(raw_sql(path, "PRAGMA journal_mode"), "delete");
}

TEST(store_open, other_application_id_is_corrupt) {
  temp_dir dir;
  auto path = dir.file("other.db");
  ASSERT_EQ(raw_exec(path, "PRAGMA application_id=1234; CREATE TABLE kv_items(x);"), "");
  auto s = segment_store::open(path);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, errc::corrupt);
}

TEST(store_open, unknown_schema_version_is_corrupt) {
  temp_dir dir;
  auto path = dir.file("v.db");
  { ASSERT_TRUE(open_store(path)); }
  ASSERT_EQ(raw_exec(path, "UPDATE kv_meta SET schema_version=99"), "");
  auto s = segment_store::open(path);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, errc::corrupt);
  EXPECT_NE(s.error().message.find("schema version 99"), std::string::npos) << s.error().message;
}

// What schema 3 added (transactions, request de-duplication).
constexpr const char* drop_schema_3 =
    "ALTER TABLE kv_items DROP COLUMN txn; DROP TABLE kv_locks; DROP TABLE kv_txns;"
    " DROP TABLE kv_requests;";

// Schema 2 files are upgraded in place on open, and take transactions.
TEST(store_open, schema_2_file_is_upgraded_and_keeps_its_data) {
  temp_dir dir;
  auto path = dir.file("v2.db");
  {
    auto s = open_store(path);
    ASSERT_TRUE(s);
    must_apply(*s, make_put(1, "h", "r", "v", 10));
  }
  ASSERT_EQ(raw_exec(path, std::string(drop_schema_3) + "UPDATE kv_meta SET schema_version=2"), "");
  auto s = segment_store::open(path);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ((*s)->get(1, "h", "r", {})->value(), "v");
  auto m = make_put(1, "h", "r", "w", 20);
  m.set_request_key("k");
  EXPECT_EQ(must_apply(**s, m).error_code(), 0u);
  EXPECT_TRUE(must_apply(**s, m).deduplicated());
  EXPECT_EQ(raw_sql(path, "SELECT schema_version FROM kv_meta"), "3");
}

// Schema 1 files (before kv_items.prev) are upgraded in place on open.
TEST(store_open, schema_1_file_is_upgraded_and_keeps_its_data) {
  temp_dir dir;
  auto path = dir.file("v1.db");
  {
    auto s = open_store(path);
    ASSERT_TRUE(s);
    must_apply(*s, make_put(1, "h", "r", "v", 10));
  }
  ASSERT_EQ(raw_exec(path, std::string(drop_schema_3) +
                               "ALTER TABLE kv_items DROP COLUMN prev; UPDATE kv_meta SET schema_version=1"),
            "");
  auto s = segment_store::open(path);
  ASSERT_TRUE(s.ok()) << s.error().message;
  auto got = (*s)->get(1, "h", "r", {});
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->value(), "v");
  auto upd = must_apply(**s, make_put(1, "h", "r", "w", 20));
  auto ev = (*s)->changes_since(upd.position() - 1, 1);
  ASSERT_TRUE(ev.ok());
  ASSERT_EQ(ev->size(), 1u);
  EXPECT_EQ((*ev)[0].kind(), pb::CHANGE_UPDATE);
  EXPECT_EQ(raw_sql(path, "SELECT schema_version FROM kv_meta"), "3");
}

TEST(store_open, consensus_tables_share_the_file_outside_digest_and_snapshot) {
  temp_dir dir;
  auto path = dir.file("shared.db");
  auto s = open_store(path);
  ASSERT_TRUE(s);
  must_apply(*s, make_put(1, "h", "r", "v", 1000), 1);
  auto before = s->digest();
  ASSERT_TRUE(before.ok());
  ASSERT_EQ(raw_exec(path, "CREATE TABLE raft_log(idx INTEGER PRIMARY KEY, entry BLOB);"
                           "INSERT INTO raft_log VALUES(1, x'00');"), "");
  must_apply(*s, make_noop(2000), 0);
  auto after = s->digest();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(*before, *after);
  s.reset();
  auto again = open_store(path);
  ASSERT_TRUE(again);
  EXPECT_EQ(raw_sql(path, "SELECT count(*) FROM raft_log"), "1");
}

TEST(store_open, damaged_pages_give_errors_not_crashes) {
  temp_dir dir;
  auto path = dir.file("damaged.db");
  {
    auto s = open_store(path);
    ASSERT_TRUE(s);
    std::vector<pb::Mutation> ms;
    for (int i = 0; i < 2000; ++i) {
      ms.push_back(make_put(1, "h" + std::to_string(i % 50), std::to_string(i), std::string(100, 'v'), 1000 + i));
    }
    std::vector<indexed_mutation> batch;
    for (auto& m : ms) batch.push_back({&m, 0});
    ASSERT_TRUE(s->apply_batch(batch).ok());
  }
  ASSERT_EQ(raw_exec(path, "PRAGMA wal_checkpoint(TRUNCATE)"), "");
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  ASSERT_GT(bytes.size(), 40000u);
  std::mt19937 rng(9);
  for (size_t i = 8192; i < bytes.size(); ++i) bytes[i] = static_cast<char>(rng());
  write_file(path, bytes);
  std::remove((path + "-wal").c_str());
  std::remove((path + "-shm").c_str());
  auto s = segment_store::open(path);
  if (!s) {
    EXPECT_TRUE(s.error().code == errc::corrupt || s.error().code == errc::io_error) << s.error().message;
    return;
  }
  // Whatever still opens must answer with values or errors.
  scan_query q;
  q.limit = 1000;
  for (int i = 0; i < 5; ++i) {
    auto p = (*s)->scan(q);
    if (!p) {
      EXPECT_EQ(p.error().code, errc::corrupt) << p.error().message;
      break;
    }
    if (p->next_cursor.empty()) break;
    q.cursor = p->next_cursor;
  }
  auto d = (*s)->digest();
  if (!d) {
    EXPECT_EQ(d.error().code, errc::corrupt) << d.error().message;
  }
}

}  // namespace
}  // namespace ropekv::store::test
