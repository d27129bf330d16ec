#include "ropekv/webhook/delivery_store.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

namespace ropekv::webhook {
namespace {

namespace fs = std::filesystem;

class temp_dir {
 public:
  temp_dir() {
    std::string tmpl = (fs::temp_directory_path() / "webhook_store_XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string file(const char* name) const { return (fs::path(path_) / name).string(); }

 private:
  std::string path_;
};

std::unique_ptr<delivery_store> open_ok(const std::string& path) {
  auto s = delivery_store::open(path);
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
  return s.ok() ? std::move(*s) : nullptr;
}

delivery_state load_ok(delivery_store& s, std::string_view name) {
  auto r = s.load(name);
  EXPECT_TRUE(r.ok());
  EXPECT_TRUE(r.ok() && r->has_value()) << name;
  return r.ok() && r->has_value() ? **r : delivery_state{};
}

TEST(DeliveryStore, MissingHookLoadsAsNone) {
  auto s = open_ok(":memory:");
  auto r = s->load("nope");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->has_value());
  auto all = s->all();
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->empty());
}

TEST(DeliveryStore, SuccessAdvancesCursorAndCounters) {
  auto s = open_ok(":memory:");
  const std::string c1("tok\0\x01", 5);
  ASSERT_TRUE(s->commit_success("h", c1, 204, 1000));
  auto st = load_ok(*s, "h");
  EXPECT_EQ(st.cursor, c1);
  EXPECT_EQ(st.delivered, 1u);
  EXPECT_EQ(st.last_status, 204u);
  EXPECT_EQ(st.last_attempt_ms, 1000);
  EXPECT_EQ(st.last_success_ms, 1000);
  EXPECT_EQ(st.attempts, 0u);
  EXPECT_FALSE(st.failing);

  ASSERT_TRUE(s->commit_success("h", "tok2", 200, 2000, 3));
  st = load_ok(*s, "h");
  EXPECT_EQ(st.cursor, "tok2");
  EXPECT_EQ(st.delivered, 4u);
  EXPECT_EQ(st.last_success_ms, 2000);
}

TEST(DeliveryStore, FailureKeepsCursorAndSuccessClearsIt) {
  auto s = open_ok(":memory:");
  ASSERT_TRUE(s->commit_success("h", "c1", 200, 1000));
  ASSERT_TRUE(s->record_failure("h", 500, "HTTP 500: oops", 1, 6000, false, 1500));
  auto st = load_ok(*s, "h");
  EXPECT_EQ(st.cursor, "c1");
  EXPECT_EQ(st.delivered, 1u);
  EXPECT_EQ(st.last_status, 500u);
  EXPECT_EQ(st.last_error, "HTTP 500: oops");
  EXPECT_EQ(st.last_attempt_ms, 1500);
  EXPECT_EQ(st.last_success_ms, 1000);
  EXPECT_EQ(st.attempts, 1u);
  EXPECT_EQ(st.next_attempt_ms, 6000);
  EXPECT_FALSE(st.failing);

  ASSERT_TRUE(s->record_failure("h", 0, "connect: refused", 10, 0, true, 2500));
  st = load_ok(*s, "h");
  EXPECT_EQ(st.cursor, "c1");
  EXPECT_TRUE(st.failing);
  EXPECT_EQ(st.attempts, 10u);

  ASSERT_TRUE(s->commit_success("h", "c2", 201, 3000));
  st = load_ok(*s, "h");
  EXPECT_EQ(st.cursor, "c2");
  EXPECT_EQ(st.delivered, 2u);
  EXPECT_EQ(st.last_error, "");
  EXPECT_EQ(st.attempts, 0u);
  EXPECT_FALSE(st.failing);
  EXPECT_EQ(st.next_attempt_ms, 0);
  EXPECT_EQ(st.last_attempt_ms, 3000);
}

TEST(DeliveryStore, FailureOnANewHookHasAnEmptyCursor) {
  auto s = open_ok(":memory:");
  ASSERT_TRUE(s->record_failure("new", 503, "busy", 1, 10, false, 5));
  auto st = load_ok(*s, "new");
  EXPECT_EQ(st.cursor, "");
  EXPECT_EQ(st.delivered, 0u);
  EXPECT_EQ(st.last_success_ms, 0);
}

TEST(DeliveryStore, LongErrorsAreCut) {
  auto s = open_ok(":memory:");
  std::string long_error(max_stored_error_bytes - 1, 'e');
  long_error += "\xc3\xa9 and more";  // a 2-byte character across the limit
  ASSERT_TRUE(s->record_failure("h", 500, long_error, 1, 0, false, 1));
  auto st = load_ok(*s, "h");
  EXPECT_EQ(st.last_error, std::string(max_stored_error_bytes - 1, 'e'));
}

TEST(DeliveryStore, StartOnlyCreates) {
  auto s = open_ok(":memory:");
  auto created = s->start("h", "from-here");
  ASSERT_TRUE(created.ok());
  EXPECT_TRUE(*created);
  EXPECT_EQ(load_ok(*s, "h").cursor, "from-here");
  ASSERT_TRUE(s->commit_success("h", "later", 200, 1));
  created = s->start("h", "from-here");
  ASSERT_TRUE(created.ok());
  EXPECT_FALSE(*created);
  EXPECT_EQ(load_ok(*s, "h").cursor, "later");
}

TEST(DeliveryStore, RemoveAndAll) {
  auto s = open_ok(":memory:");
  ASSERT_TRUE(s->commit_success("b", "cb", 200, 1));
  ASSERT_TRUE(s->commit_success("a", "ca", 200, 1));
  ASSERT_TRUE(s->record_failure("c", 0, "x", 1, 0, false, 1));
  auto all = s->all();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].first, "a");
  EXPECT_EQ((*all)[0].second.cursor, "ca");
  EXPECT_EQ((*all)[2].first, "c");
  ASSERT_TRUE(s->remove("b"));
  ASSERT_TRUE(s->remove("b"));  // idempotent
  all = s->all();
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 2u);
  EXPECT_FALSE(s->load("b").value().has_value());
}

TEST(DeliveryStore, SurvivesReopen) {
  temp_dir dir;
  const auto path = dir.file("notifier.db");
  delivery_state expected;
  {
    auto s = open_ok(path);
    ASSERT_TRUE(s->commit_success("h", std::string("\xff\x00z", 3), 200, 111, 5));
    ASSERT_TRUE(s->record_failure("h", 429, "slow down", 2, 999, false, 222));
    ASSERT_TRUE(s->commit_success("gone", "x", 200, 1));
    ASSERT_TRUE(s->remove("gone"));
    expected = load_ok(*s, "h");
    EXPECT_TRUE(fs::exists(path + "-wal"));  // WAL mode while open
  }
  auto s = open_ok(path);
  EXPECT_EQ(load_ok(*s, "h"), expected);
  EXPECT_EQ(expected.cursor, std::string("\xff\x00z", 3));
  EXPECT_EQ(expected.delivered, 5u);
  EXPECT_EQ(expected.last_status, 429u);
  EXPECT_EQ(expected.attempts, 2u);
  EXPECT_FALSE(s->load("gone").value().has_value());
}

TEST(DeliveryStore, RefusesANewerSchemaAndGarbage) {
  temp_dir dir;
  const auto path = dir.file("notifier.db");
  { auto s = open_ok(path); }
  {
    // Bump user_version behind the store's back (a future binary's file).
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version = 2", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }
  auto newer = delivery_store::open(path);
  ASSERT_FALSE(newer.ok());
  EXPECT_EQ(newer.error().code, errc::corrupt);

  std::string garbage_path = dir.file("garbage.db");
  {
    std::ofstream f(garbage_path, std::ios::binary);
    f << std::string(8192, 'G');
  }
  auto g = delivery_store::open(garbage_path);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.error().code, errc::corrupt);
}

TEST(DeliveryStore, ToProtoLeavesPlacementFields) {
  delivery_state st;
  st.cursor = "c";
  st.delivered = 7;
  st.last_status = 204;
  st.last_error = "e";
  st.last_attempt_ms = 1;
  st.last_success_ms = 2;
  st.attempts = 3;
  st.failing = true;
  st.next_attempt_ms = 4;
  pb::HookState out;
  out.set_notifier_id(9);
  out.set_pending(12);
  to_proto(st, out);
  EXPECT_EQ(out.notifier_id(), 9u);
  EXPECT_EQ(out.pending(), 12u);
  EXPECT_EQ(out.cursor(), "c");
  EXPECT_EQ(out.delivered(), 7u);
  EXPECT_EQ(out.last_status(), 204u);
  EXPECT_EQ(out.last_error(), "e");
  EXPECT_EQ(out.last_attempt_ms(), 1);
  EXPECT_EQ(out.last_success_ms(), 2);
  EXPECT_EQ(out.attempts(), 3u);
  EXPECT_TRUE(out.failing());
  EXPECT_EQ(out.next_attempt_ms(), 4);
}

TEST(DeliveryStore, ConcurrentWritersAreSerialised) {
  auto s = open_ok(":memory:");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&s, t] {
      for (int i = 0; i < 50; ++i) {
        EXPECT_TRUE(s->commit_success("shared", "c" + std::to_string(t), 200, i));
        EXPECT_TRUE(s->record_failure("h" + std::to_string(t), 500, "x", i, 0, false, i));
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(load_ok(*s, "shared").delivered, 200u);
  EXPECT_EQ(s->all().value().size(), 5u);
}

}  // namespace
}  // namespace ropekv::webhook
