// Point-in-time restore from chunks: a store takes random puts, deletes and
// a rollback; its rows are frozen into chunks; for several recorded
// versions the plan's items, written into a new table of another store as
// RestoreItems, scan equal (item by item, versions included) to the
// source's own as_of scan at that version.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>

#include "ropekv/backup/restore_plan.hpp"
#include "ropekv/keys/key_codec.hpp"
#include "ropekv/keys/partition.hpp"
#include "ropekv/store/segment_store.hpp"

namespace ropekv::backup {
namespace {

namespace fs = std::filesystem;

class temp_dir {
 public:
  temp_dir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/ropekv-restore-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string file(const std::string& n) const { return path_ + "/" + n; }

 private:
  std::string path_;
};

std::unique_ptr<store::segment_store> open(const std::string& path) {
  auto s = store::segment_store::open(path);
  if (!s) throw std::runtime_error(s.error().message);
  return std::move(*s);
}

pb::MutationResult apply(store::segment_store& s, const pb::Mutation& m, uint64_t index) {
  auto r = s.apply(m, index);
  if (!r) throw std::runtime_error(r.error().message);
  return *r;
}

/// "hk/rk=value@version" of every visible item of `table`, in rope order.
std::vector<std::string> scan(store::segment_store& s, uint32_t table, uint64_t as_of) {
  store::scan_query q;
  q.start = keys::encode(keys::make_key(table, "", ""));
  q.end = keys::encode(keys::make_key(table + 1, "", ""));
  q.limit = 10000;
  q.read.as_of = as_of;
  std::vector<std::string> out;
  for (;;) {
    auto p = s.scan(q);
    if (!p) throw std::runtime_error(p.error().message);
    for (const auto& it : p->items) {
      out.push_back(it.hash_key() + "/" + it.range_key() + "=" + it.value() + "@" + std::to_string(it.version()));
    }
    if (p->next_cursor.empty()) break;
    q.cursor = p->next_cursor;
  }
  // Rope order is by partition first: the same in both tables.
  return out;
}

TEST(restore_plan, as_of_restores_equal_the_source_read_as_of) {
  temp_dir dir;
  auto src = open(dir.file("src.db"));
  std::mt19937_64 rng(17);
  int64_t ts = 1'700'000'000'000'000;
  uint64_t index = 0;
  std::vector<uint64_t> recorded;  // versions to restore at
  uint16_t rolled_partition = 0;
  std::map<uint16_t, std::vector<uint64_t>> by_partition;
  for (int i = 0; i < 600; ++i) {
    pb::Mutation m;
    m.set_timestamp_us(ts += 1 + static_cast<int64_t>(rng() % 50));
    std::string hk = "k" + std::to_string(rng() % 60);
    std::string rk = (rng() % 3 == 0) ? "r" + std::to_string(rng() % 3) : "";
    if (rng() % 5 == 0) {
      auto* d = m.mutable_delete_();
      d->set_table_id(1);
      d->set_hash_key(hk);
      d->set_range_key(rk);
    } else {
      auto* it = m.mutable_put()->mutable_item();
      it->set_table_id(1);
      it->set_hash_key(hk);
      it->set_range_key(rk);
      it->set_value("{\"n\":" + std::to_string(i) + "}");
    }
    auto r = apply(*src, m, ++index);
    if (r.version() != 0) by_partition[keys::partition_of(hk)].push_back(r.version());
    if (r.version() != 0 && i % 97 == 0) recorded.push_back(r.version());
    if (i >= 400 && rolled_partition == 0 && by_partition[keys::partition_of(hk)].size() >= 2) {
      // A rollback of this key's partition to a version in its middle.
      rolled_partition = keys::partition_of(hk);
      const auto& vs = by_partition[rolled_partition];
      pb::Mutation rb;
      rb.set_timestamp_us(ts += 10);
      rb.mutable_rollback()->set_table_id(1);
      rb.mutable_rollback()->set_partition(rolled_partition);
      rb.mutable_rollback()->set_to_version(vs[vs.size() / 2]);
      ASSERT_EQ(apply(*src, rb, ++index).error_code(), 0u);
    }
  }
  ASSERT_NE(rolled_partition, 0u);
  recorded.push_back(0);  // latest

  // Freeze everything into small chunks, recording each.
  std::vector<std::string> chunks;
  for (;;) {
    auto c = src->freeze_chunk(50, ts);
    ASSERT_TRUE(c.ok());
    if (!c->has_value()) break;
    chunks.push_back((*c)->bytes);
    pb::Mutation rec;
    rec.set_timestamp_us(++ts);
    *rec.mutable_chunk() = (*c)->record;
    rec.mutable_chunk()->set_chunk_id(std::string(63, '0') + std::to_string(chunks.size() % 10));
    ASSERT_EQ(apply(*src, rec, ++index).error_code(), 0u);
  }
  ASSERT_GT(chunks.size(), 5u);

  size_t nonempty = 0;
  for (uint64_t as_of : recorded) {
    restore_plan plan({1, 2, as_of});
    for (const auto& c : chunks) ASSERT_TRUE(plan.add_chunk(c).ok());
    auto items = plan.items();
    auto dst = open(dir.file("dst" + std::to_string(as_of) + ".db"));
    uint64_t di = 0;
    for (const auto& batch : restore_batches(items, 17, 1 << 20)) {
      pb::Mutation m;
      m.set_timestamp_us(ts + 1'000'000);
      *m.mutable_restore() = batch;
      ASSERT_EQ(apply(*dst, m, ++di).error_code(), 0u);
    }
    auto want = scan(*src, 1, as_of);
    auto got = scan(*dst, 2, 0);
    EXPECT_EQ(got, want) << "as_of " << as_of;
    if (!want.empty()) ++nonempty;
    if (as_of == 0) EXPECT_FALSE(want.empty());
  }
  // The earliest versions may hold nothing once the rollback voids them;
  // most hold items, the latest state (as_of 0) certainly.
  EXPECT_GE(nonempty * 2, recorded.size());
}

TEST(restore_plan, a_key_range_keeps_only_its_rows_and_damage_adds_nothing) {
  temp_dir dir;
  auto src = open(dir.file("src.db"));
  int64_t ts = 1'700'000'000'000'000;
  for (int i = 0; i < 40; ++i) {
    pb::Mutation m;
    m.set_timestamp_us(++ts);
    auto* it = m.mutable_put()->mutable_item();
    it->set_table_id(1);
    it->set_hash_key("k" + std::to_string(i));
    it->set_value("{}");
    apply(*src, m, static_cast<uint64_t>(i + 1));
  }
  auto c = src->freeze_chunk(1000, ts);
  ASSERT_TRUE(c.ok() && c->has_value());
  std::string mid = keys::encode(keys::make_key(1, "k20", ""));
  restore_plan left({1, 1, 0}), right({1, 1, 0});
  ASSERT_TRUE(left.add_chunk((*c)->bytes, "", mid).ok());
  ASSERT_TRUE(right.add_chunk((*c)->bytes, mid, "").ok());
  EXPECT_EQ(left.items().size() + right.items().size(), 40u);
  for (const auto& it : right.items()) EXPECT_GE(keys::encode(keys::make_key(1, it.hash_key(), "")), mid);

  std::string bad = (*c)->bytes;
  bad[bad.size() / 3] ^= 1;
  restore_plan damaged({1, 1, 0});
  auto r = damaged.add_chunk(bad);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, errc::corrupt);
  EXPECT_TRUE(damaged.items().empty());
}

}  // namespace
}  // namespace ropekv::backup
