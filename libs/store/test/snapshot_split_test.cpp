// Snapshot / restore / install, and split into two stores.
#include <map>

#include "test_util.hpp"

namespace ropekv::store::test {
namespace {

// Builds a store with history, tombstones, TTL, rk2 and a rollback.
void populate(segment_store& s) {
  int64_t ts = 1'000'000;
  for (int h = 0; h < 20; ++h) {
    for (int r = 0; r < 5; ++r) {
      put_args a;
      if (r == 1) a.rk2 = "idx" + std::to_string(h);
      if (r == 2) a.expires_ms = 5'000;
      must_apply(s, make_put(1, "hk" + std::to_string(h), "rk" + std::to_string(r), "v" + std::to_string(ts), ts, a),
                 static_cast<uint64_t>(ts - 999'999));
      ++ts;
    }
  }
  must_apply(s, make_delete(1, "hk3", "rk0", ts++));
  must_apply(s, make_put(1, "hk4", "rk0", "newer", ts++));
  must_apply(s, make_rollback(1, part("hk5"), 1'000'026, ts++));
  must_apply(s, make_put(2, "t2", "", "other table", ts++));
}

std::map<std::string, std::string> visible(segment_store& s) {
  std::map<std::string, std::string> out;
  scan_query q;
  q.limit = 10000;
  auto p = s.scan(q);
  EXPECT_TRUE(p.ok());
  for (auto& it : p->items) {
    out[keys::encode(keys::make_key(it.table_id(), it.hash_key(), it.range_key()))] =
        it.value() + "@" + std::to_string(it.version());
  }
  return out;
}

TEST(store_snapshot, restore_gives_equal_digest_and_contents) {
  temp_dir dir;
  auto s = open_store(dir.file("a.db"));
  populate(*s);
  ASSERT_TRUE(s->set_meta({7, "", "", 2}).ok());
  auto snap = s->snapshot();
  ASSERT_TRUE(snap.ok());
  auto r = segment_store::restore(dir.file("b.db"), *snap);
  ASSERT_TRUE(r.ok()) << r.error().message;
  auto& b = **r;
  EXPECT_EQ(*s->digest(), *b.digest());
  EXPECT_EQ(visible(*s), visible(b));
  EXPECT_EQ(b.meta(), s->meta());
  EXPECT_EQ(b.applied_index(), s->applied_index());
  EXPECT_EQ(b.last_position(), s->last_position());
  for (const char* hk : {"hk3", "hk5", "hk9"}) {
    auto pa = *s->partition(1, part(hk));
    auto pb = *b.partition(1, part(hk));
    EXPECT_EQ(pa.items, pb.items);
    EXPECT_EQ(pa.bytes, pb.bytes);
    EXPECT_EQ(pa.head_version, pb.head_version);
    EXPECT_EQ(pa.max_issued_version, pb.max_issued_version);
  }
  EXPECT_EQ(s->changes_since(0, 1000)->size(), b.changes_since(0, 1000)->size());
  // Both go on identically.
  auto m = make_put(1, "hk5", "rk9", "after", 1);
  EXPECT_EQ(must_apply(*s, m).version(), must_apply(b, m).version());
  EXPECT_EQ(*s->digest(), *b.digest());
}

TEST(store_snapshot, install_replaces_store_tables_only) {
  temp_dir dir;
  auto a = open_store(dir.file("a.db"));
  populate(*a);
  auto b = open_store(dir.file("b.db"));
  must_apply(*b, make_put(9, "junk", "", "to be replaced", 1));
  ASSERT_EQ(raw_exec(b->path(), "CREATE TABLE raft_meta(k TEXT, v TEXT); INSERT INTO raft_meta VALUES('term','3');"), "");
  ASSERT_TRUE(b->install(*a->snapshot()).ok());
  EXPECT_EQ(*a->digest(), *b->digest());
  EXPECT_EQ(b->get(9, "junk", "", {}).error().code, errc::not_found);
  EXPECT_EQ(raw_sql(b->path(), "SELECT v FROM raft_meta"), "3");
}

TEST(store_snapshot, damaged_snapshots_are_corrupt_and_change_nothing) {
  temp_dir dir;
  auto a = open_store(dir.file("a.db"));
  populate(*a);
  auto snap = *a->snapshot();
  auto b = open_store(dir.file("b.db"));
  must_apply(*b, make_put(1, "keep", "", "me", 1));
  auto before = *b->digest();
  std::vector<std::string> bad = {
      "", "garbage", snap.substr(0, snap.size() / 2), snap.substr(0, snap.size() - 1), snap + "x"};
  std::string flipped = snap;
  flipped[flipped.size() / 2] ^= 0x5A;
  bad.push_back(flipped);
  for (const auto& bytes : bad) {
    auto r = b->install(bytes);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, errc::corrupt) << r.error().message;
    EXPECT_EQ(*b->digest(), before);
  }
  EXPECT_EQ(b->get(1, "keep", "", {})->value(), "me");
}

TEST(store_split, halves_partition_the_data_and_keep_versions_rising) {
  temp_dir dir;
  auto s = open_store(dir.file("s.db"));
  populate(*s);
  ASSERT_TRUE(s->set_meta({10, "", "", 4}).ok());
  // Cut inside the hash key hk7, between rk1 and rk2.
  auto at = keys::encode(keys::make_key(1, "hk7", "rk2"));
  auto all = visible(*s);
  pb::Split ids;
  ids.set_left_segment_id(11);
  ids.set_right_segment_id(12);
  auto r = s->split(at, dir.file("left.db"), dir.file("right.db"), ids);
  ASSERT_TRUE(r.ok()) << r.error().message;
  auto& left = *r->left;
  auto& right = *r->right;
  EXPECT_EQ(left.meta(), (segment_meta{11, "", at, 5}));
  EXPECT_EQ(right.meta(), (segment_meta{12, at, "", 5}));
  auto l = visible(left), rr = visible(right);
  for (auto& [k, v] : l) EXPECT_LT(k, at);
  for (auto& [k, v] : rr) EXPECT_GE(k, at);
  auto merged = l;
  merged.insert(rr.begin(), rr.end());
  EXPECT_EQ(merged, all);
  EXPECT_EQ(left.applied_index(), s->applied_index());
  EXPECT_EQ(right.last_position(), s->last_position());
  // Every partition: aggregates equal a recount in both halves.
  for (int h = 0; h < 20; ++h) {
    auto hk = "hk" + std::to_string(h);
    for (auto* half : {&left, &right}) {
      auto info = *half->partition(1, part(hk));
      auto recount = *half->recount_partition(1, part(hk));
      EXPECT_EQ(info.items, recount.items) << hk;
      EXPECT_EQ(info.bytes, recount.bytes) << hk;
    }
    auto whole = *s->partition(1, part(hk));
    EXPECT_EQ(left.partition(1, part(hk))->items + right.partition(1, part(hk))->items, whole.items) << hk;
  }
  // Versions keep rising on the side that did not hold the partition too.
  auto hk7 = *s->partition(1, part("hk7"));
  auto m = make_put(1, "hk7", "rk3", "post-split", 1);
  EXPECT_EQ(must_apply(right, m).version(), hk7.max_issued_version + 1);
  auto hk0 = *s->partition(1, part("hk0"));
  bool hk0_left = keys::encode(keys::make_key(1, "hk0")) < at;
  auto& other = hk0_left ? right : left;
  EXPECT_EQ(must_apply(other, make_put(1, "hk0", "zz", "moved?", 1)).error_code(),
            static_cast<uint32_t>(errc::wrong_segment));
  auto& owner = hk0_left ? left : right;
  EXPECT_EQ(must_apply(owner, make_put(1, "hk0", "zz", "x", 1)).version(), hk0.max_issued_version + 1);
  // Rolling the cut partition back to before the split recounts it.
  auto rb = must_apply(left, make_rollback(1, part("hk7"), 1'000'036, 2'000'000));
  EXPECT_EQ(rb.error_code(), 0u);
  auto info = *left.partition(1, part("hk7"));
  auto recount = *left.recount_partition(1, part("hk7"));
  EXPECT_EQ(info.items, recount.items);
  EXPECT_EQ(info.bytes, recount.bytes);
  // A key outside the segment cannot be a split point.
  EXPECT_EQ(right.split(at, dir.file("x.db"), dir.file("y.db")).error().code, errc::invalid_argument);
}

}  // namespace
}  // namespace ropekv::store::test
