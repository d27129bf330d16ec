// Chunks: freezing rows past the manifest, recording chunks through apply,
// and the manifest through snapshots and splits (docs/backup.md).
#include <algorithm>

#include "test_util.hpp"

namespace ropekv::store::test {
namespace {

std::string fake_id(char c) { return std::string(64, c); }

pb::Mutation chunk_mutation(const pb::ChunkRecord& rec, const std::string& id, int64_t ts) {
  pb::Mutation m;
  m.set_timestamp_us(ts);
  *m.mutable_chunk() = rec;
  m.mutable_chunk()->set_chunk_id(id);
  return m;
}

std::vector<pb::StoreRecord> records_of(const std::string& bytes) {
  std::vector<pb::StoreRecord> out;
  auto r = segment_store::read_chunk(bytes, [&](const pb::StoreRecord& rec) -> status {
    out.push_back(rec);
    return {};
  });
  EXPECT_TRUE(r.ok()) << r.error().message;
  return out;
}

void put_n(segment_store& s, int n, int64_t& ts, uint64_t& index) {
  for (int i = 0; i < n; ++i) {
    must_apply(s, make_put(1, "hk" + std::to_string(i % 7), "rk" + std::to_string(i), "v" + std::to_string(ts), ts),
               ++index);
    ++ts;
  }
}

TEST(store_chunks, nothing_to_freeze_in_an_empty_store) {
  temp_dir dir;
  auto s = open_store(dir.file("a.db"));
  auto c = s->freeze_chunk(100, 1);
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->has_value());
  EXPECT_EQ(s->chunked_position(), 0u);
}

TEST(store_chunks, freeze_record_and_continue_where_the_manifest_ends) {
  temp_dir dir;
  auto s = open_store(dir.file("a.db"));
  int64_t ts = 1'000'000;
  uint64_t index = 0;
  put_n(*s, 10, ts, index);

  auto c1 = s->freeze_chunk(4, ts);
  ASSERT_TRUE(c1.ok() && c1->has_value());
  const auto& rec1 = (*c1)->record;
  EXPECT_EQ(rec1.first_position(), 0u);
  EXPECT_EQ(rec1.last_position(), 4u);
  EXPECT_EQ(rec1.rows(), 4u);
  EXPECT_EQ(rec1.bytes(), (*c1)->bytes.size());
  auto rows = records_of((*c1)->bytes);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows.front().version().position(), 1u);
  EXPECT_EQ(rows.back().version().position(), 4u);
  EXPECT_EQ(rows.front().version().version(), rec1.min_version());
  EXPECT_EQ(rows.back().version().version(), rec1.max_version());

  // Freezing again before the record is applied gives the same range.
  auto again = s->freeze_chunk(4, ts);
  ASSERT_TRUE(again.ok() && again->has_value());
  EXPECT_EQ((*again)->bytes, (*c1)->bytes);

  auto r = must_apply(*s, chunk_mutation(rec1, fake_id('a'), ts++), ++index);
  EXPECT_EQ(r.error_code(), 0u) << r.error_message();
  EXPECT_EQ(s->chunked_position(), 4u);
  EXPECT_EQ(s->applied_index(), index);

  // A stale record of the same range (another leader's) is refused.
  auto dup = must_apply(*s, chunk_mutation(rec1, fake_id('b'), ts++), ++index);
  EXPECT_EQ(dup.error_code(), static_cast<uint32_t>(errc::condition_failed));

  // A rollback is a row of the next chunk too.
  must_apply(*s, make_rollback(1, part("hk1"), 1'000'001, ts++), ++index);
  auto c2 = s->freeze_chunk(1000, ts);
  ASSERT_TRUE(c2.ok() && c2->has_value());
  EXPECT_EQ((*c2)->record.first_position(), 4u);
  EXPECT_EQ((*c2)->record.last_position(), s->last_position());
  auto rows2 = records_of((*c2)->bytes);
  ASSERT_EQ(rows2.size(), 7u);
  EXPECT_TRUE(rows2.back().has_void_range());
  must_apply(*s, chunk_mutation((*c2)->record, fake_id('c'), ts++), ++index);

  auto manifest = s->chunk_manifest();
  ASSERT_TRUE(manifest.ok());
  ASSERT_EQ(manifest->size(), 2u);
  EXPECT_EQ((*manifest)[0].chunk_id(), fake_id('a'));
  EXPECT_EQ((*manifest)[1].chunk_id(), fake_id('c'));
  EXPECT_NE((*manifest)[1].log_index(), 0u);
  auto none = s->freeze_chunk(1000, ts);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST(store_chunks, records_without_an_id_or_past_the_end_are_refused) {
  temp_dir dir;
  auto s = open_store(dir.file("a.db"));
  int64_t ts = 1'000'000;
  uint64_t index = 0;
  put_n(*s, 3, ts, index);
  auto c = s->freeze_chunk(10, ts);
  ASSERT_TRUE(c.ok() && c->has_value());
  EXPECT_EQ(must_apply(*s, chunk_mutation((*c)->record, "nothex", ts++), ++index).error_code(),
            static_cast<uint32_t>(errc::invalid_argument));
  auto past = (*c)->record;
  past.set_last_position(99);
  EXPECT_EQ(must_apply(*s, chunk_mutation(past, fake_id('d'), ts++), ++index).error_code(),
            static_cast<uint32_t>(errc::invalid_argument));
  EXPECT_EQ(s->chunked_position(), 0u);
}

TEST(store_chunks, manifest_survives_snapshot_reopen_and_split) {
  temp_dir dir;
  uint64_t index = 0;
  int64_t ts = 1'000'000;
  {
    auto s = open_store(dir.file("a.db"));
    put_n(*s, 12, ts, index);
    auto c = s->freeze_chunk(100, ts);
    ASSERT_TRUE(c.ok() && c->has_value());
    must_apply(*s, chunk_mutation((*c)->record, fake_id('e'), ts++), ++index);
  }
  auto s = open_store(dir.file("a.db"));
  EXPECT_EQ(s->chunked_position(), 12u);
  auto snap = s->snapshot();
  ASSERT_TRUE(snap.ok());
  auto restored = segment_store::restore(dir.file("b.db"), *snap);
  ASSERT_TRUE(restored.ok());
  EXPECT_EQ((*restored)->chunked_position(), 12u);
  EXPECT_EQ(*(*restored)->digest(), *s->digest());

  auto at = keys::encode(keys::make_key(1, "hk3", ""));
  auto halves = s->split(at, dir.file("l.db"), dir.file("r.db"));
  ASSERT_TRUE(halves.ok()) << halves.error().message;
  // Both children refer to the parent's chunk and continue after it.
  for (auto* half : {halves->left.get(), halves->right.get()}) {
    auto m = half->chunk_manifest();
    ASSERT_TRUE(m.ok());
    ASSERT_EQ(m->size(), 1u);
    EXPECT_EQ((*m)[0].chunk_id(), fake_id('e'));
    EXPECT_EQ(half->chunked_position(), 12u);
  }
}

TEST(store_chunks, damaged_chunk_bytes_are_corrupt) {
  temp_dir dir;
  auto s = open_store(dir.file("a.db"));
  int64_t ts = 1'000'000;
  uint64_t index = 0;
  put_n(*s, 5, ts, index);
  auto c = s->freeze_chunk(10, ts);
  ASSERT_TRUE(c.ok() && c->has_value());
  std::string bytes = (*c)->bytes;
  bytes[bytes.size() / 2] ^= 0x5A;
  auto r = segment_store::read_chunk(bytes, [](const pb::StoreRecord&) -> status { return {}; });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, errc::corrupt);
  auto cut = segment_store::read_chunk(std::string_view((*c)->bytes).substr(0, (*c)->bytes.size() - 3),
                                       [](const pb::StoreRecord&) -> status { return {}; });
  EXPECT_FALSE(cut.ok());
}

TEST(store_restore, items_keep_their_versions_and_a_retry_writes_nothing) {
  temp_dir dir;
  auto src = open_store(dir.file("src.db"));
  int64_t ts = 1'000'000;
  uint64_t index = 0;
  put_n(*src, 30, ts, index);
  scan_query all;
  all.limit = 1000;
  auto items = src->scan(all);
  ASSERT_TRUE(items.ok());
  // A partition's items in ascending version order, into table 9.
  std::vector<pb::Item> sorted = items->items;
  std::sort(sorted.begin(), sorted.end(), [](const pb::Item& a, const pb::Item& b) {
    return a.version() < b.version();
  });
  pb::Mutation m;
  m.set_timestamp_us(ts + 5'000'000);  // later than every version: must not replace them
  for (auto it : sorted) {
    it.set_table_id(9);
    *m.mutable_restore()->add_items() = it;
  }
  auto dst = open_store(dir.file("dst.db"));
  auto r = must_apply(*dst, m, 1);
  ASSERT_EQ(r.error_code(), 0u) << r.error_message();
  uint64_t last = dst->last_position();
  EXPECT_EQ(last, sorted.size());
  for (const auto& it : items->items) {
    auto got = dst->get(9, it.hash_key(), it.range_key(), read_options{});
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(got->version(), it.version());
    EXPECT_EQ(got->value(), it.value());
  }
  auto again = must_apply(*dst, m, 2);
  EXPECT_EQ(again.error_code(), 0u);
  EXPECT_EQ(dst->last_position(), last);

  // A batch with a key outside the segment is refused whole.
  ASSERT_TRUE(dst->set_meta({1, keys::encode(keys::make_key(9, "", "")), keys::encode(keys::make_key(10, "", "")), 1}).ok());
  pb::Mutation wrong = m;
  wrong.mutable_restore()->mutable_items(0)->set_table_id(11);
  wrong.mutable_restore()->mutable_items(0)->set_hash_key("fresh");
  EXPECT_EQ(must_apply(*dst, wrong, 3).error_code(), static_cast<uint32_t>(errc::wrong_segment));
  EXPECT_EQ(dst->last_position(), last);
}

}  // namespace
}  // namespace ropekv::store::test
