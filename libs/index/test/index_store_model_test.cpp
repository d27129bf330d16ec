// index_store against a naive model: random puts, deletes, expiries,
// replays and range replacements, with the file re-opened midway; the
// dump, the counters and every query (paged with cursors) must match a
// std::map that applies the header's rules directly.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "ropekv/index/index_key.hpp"
#include "ropekv/index/index_store.hpp"
#include "store_test_util.hpp"

namespace ropekv::index {
namespace {

using namespace ropekv::index::test;

struct model_params {
  pb::IndexType type;
  pb::IndexProjection projection;
  bool unique;
  uint64_t seed;
};

struct model_entry {
  uint64_t version = 0;
  std::optional<std::string> ikey;
  pb::Item item;  // the full base item
};

class IndexModel : public ::testing::TestWithParam<model_params> {
 protected:
  void SetUp() override {
    d_ = descriptor(1, "a.v", GetParam().type, GetParam().projection, GetParam().unique);
    rng_.seed(GetParam().seed);
    store_ = open_ok(dir_.file(), d_);
    ASSERT_TRUE(store_);
    for (int h = 0; h < 12; ++h) {
      for (const char* r : {"", "r1", "r2"}) {
        auto it = item("h" + std::to_string(h), r, "", 0);
        keys_.emplace(pk_of(it), it);
      }
    }
  }

  // A value and the index key the model expects it to get.
  std::pair<std::string, std::optional<std::string>> random_value() {
    static const std::vector<std::string> numbers{"-3", "-1.5", "0", "-0", "2", "10", "1e20", "123456789012345678901"};
    static const std::vector<std::string> strings{"", "a", "b", "ab", "\\u00e9", "c"};
    std::uniform_int_distribution<int> pick(0, 9);
    int r = pick(rng_);
    bool number = GetParam().type == pb::INDEX_NUMBER;
    if (r < 6) {
      auto& set = number ? numbers : strings;
      const auto& v = set[std::uniform_int_distribution<size_t>(0, set.size() - 1)(rng_)];
      std::string json = number ? R"({"a":{"v":)" + v + "}}" : R"({"a":{"v":")" + v + "\"}}";
      std::string key = number ? encode_number(std::stod(v)) : (v == "\\u00e9" ? "\xc3\xa9" : v);
      return {json, key};
    }
    if (r == 6) return {number ? R"({"a":{"v":"2"}})" : R"({"a":{"v":2}})", std::nullopt};
    if (r == 7) return {R"({"a":{"w":1}})", std::nullopt};
    if (r == 8) return {R"({"a":{"v":null}})", std::nullopt};
    return {R"({"v":"a"})", std::nullopt};
  }

  const pb::Item& random_key() {
    auto it = keys_.begin();
    std::advance(it, std::uniform_int_distribution<size_t>(0, keys_.size() - 1)(rng_));
    return it->second;
  }

  // The header's rules, applied to the model.
  void model_put(const std::string& pk, const pb::Item& it, std::optional<std::string> ikey) {
    auto b = base_.find(pk);
    if (b != base_.end() && b->second.version >= it.version()) return;
    base_[pk] = model_entry{it.version(), std::move(ikey), it};
  }
  void model_remove(const std::string& pk, uint64_t version) {
    auto b = base_.find(pk);
    if (b != base_.end() && b->second.version < version) base_.erase(b);
  }

  void random_batch() {
    std::vector<pb::ChangeEvent> evs;
    int n = std::uniform_int_distribution<int>(1, 4)(rng_);
    for (int i = 0; i < n; ++i) {
      int r = std::uniform_int_distribution<int>(0, 19)(rng_);
      pb::ChangeEvent ev;
      if (r < 2 && !history_.empty()) {
        ev = history_[std::uniform_int_distribution<size_t>(0, history_.size() - 1)(rng_)].first;  // a replay
      } else {
        auto it = random_key();
        it.set_version(++version_);
        std::optional<std::string> ikey;
        pb::ChangeKind kind = r < 5 ? pb::CHANGE_DELETE : r < 6 ? pb::CHANGE_EXPIRED : pb::CHANGE_UPDATE;
        if (kind == pb::CHANGE_UPDATE) {
          auto [json, key] = random_value();
          it.set_value(json);
          ikey = key;
          if (std::uniform_int_distribution<int>(0, 3)(rng_) == 0) {
            it.set_expires_at_ms(std::uniform_int_distribution<int64_t>(1, 200)(rng_));
          }
          truth_[pk_of(it)] = {it, ikey};
        } else {
          truth_.erase(pk_of(it));
        }
        ev = event(kind, it);
        history_.emplace_back(ev, ikey);
      }
      evs.push_back(ev);
    }
    for (const auto& ev : evs) {
      auto pk = pk_of(ev.item());
      if (ev.kind() == pb::CHANGE_UPDATE) {
        auto h = std::find_if(history_.begin(), history_.end(), [&](const auto& e) {
          return e.first.version() == ev.version();
        });
        model_put(pk, ev.item(), h->second);
      } else {
        model_remove(pk, ev.version());
      }
    }
    ++position_;
    auto r = store_->apply_events(evs, token(position_));
    ASSERT_TRUE(r.ok()) << r.error().message;
  }

  // A rollback re-read: [start, end) of the key space now holds truth_.
  void random_replace() {
    auto a = random_key();
    auto b = random_key();
    std::string start = std::min(pk_of(a), pk_of(b));
    std::string end = std::max(pk_of(a), pk_of(b));
    if (start == end || std::uniform_int_distribution<int>(0, 4)(rng_) == 0) end.clear();
    std::vector<pb::Item> items;
    std::erase_if(base_, [&](const auto& e) { return detail_in(e.first, start, end); });
    for (const auto& [pk, t] : truth_) {
      if (!detail_in(pk, start, end)) continue;
      items.push_back(t.first);
      model_put(pk, t.first, t.second);
    }
    ++position_;
    auto r = store_->replace_range(start, end, items, token(position_));
    ASSERT_TRUE(r.ok()) << r.error().message;
  }

  static bool detail_in(const std::string& pk, const std::string& start, const std::string& end) {
    return pk >= start && (end.empty() || pk < end);
  }

  // What a row returns for `e`.
  pb::Item projected(const model_entry& e) const {
    pb::Item it;
    it.set_table_id(table);
    it.set_hash_key(e.item.hash_key());
    it.set_range_key(e.item.range_key());
    it.set_version(e.version);
    it.set_expires_at_ms(e.item.expires_at_ms());
    if (GetParam().projection == pb::PROJECT_ALL) it.set_value(e.item.value());
    return it;
  }

  // (ikey, pk) -> entry of every indexed base entry.
  std::map<std::pair<std::string, std::string>, const model_entry*> model_rows() const {
    std::map<std::pair<std::string, std::string>, const model_entry*> out;
    for (const auto& [pk, e] : base_) {
      if (e.ikey) out.emplace(std::make_pair(*e.ikey, pk), &e);
    }
    return out;
  }

  void check_counters() {
    auto rows = model_rows();
    EXPECT_EQ(store_->counters().entries, rows.size());
    uint64_t violations = 0;
    if (GetParam().unique) {
      std::map<std::string, int> per_key;
      for (const auto& [k, e] : rows) ++per_key[k.first];
      for (const auto& [k, n] : per_key) violations += n > 1 ? 1 : 0;
    }
    EXPECT_EQ(store_->counters().unique_violations, violations);
    if (position_ > 0) {
      EXPECT_TRUE(same_message(store_->position(), token(position_)));
    }
  }

  void check_dump() {
    auto d = store_->dump();
    ASSERT_TRUE(d.ok());
    auto rows = model_rows();
    ASSERT_EQ(d->size(), rows.size());
    size_t i = 0;
    for (const auto& [k, e] : rows) {
      EXPECT_EQ((*d)[i].first, k.first);
      EXPECT_TRUE(same_message((*d)[i].second, projected(*e))) << (*d)[i].second.DebugString();
      ++i;
    }
  }

  void random_query() {
    query_args q;
    std::string fallback = GetParam().type == pb::INDEX_NUMBER ? encode_number(1) : "b";
    auto key = [&] { return random_value().second.value_or(fallback); };
    int mode = std::uniform_int_distribution<int>(0, 5)(rng_);
    if (mode == 1 || mode == 5) q.eq = key();
    if (mode == 2 || mode == 4 || mode == 5) q.from = key();
    if (mode == 3 || mode == 4) q.to = key();
    q.reverse = std::uniform_int_distribution<int>(0, 1)(rng_) == 1;
    q.limit = std::uniform_int_distribution<size_t>(1, 7)(rng_);
    q.now_ms = std::uniform_int_distribution<int64_t>(0, 250)(rng_);

    std::vector<pb::Item> want;
    for (const auto& [k, e] : model_rows()) {
      if (q.eq && k.first != *q.eq) continue;
      if (q.from && k.first < *q.from) continue;
      if (q.to && k.first >= *q.to) continue;
      int64_t exp = e->item.expires_at_ms();
      if (exp > 0 && exp <= q.now_ms) continue;
      want.push_back(projected(*e));
    }
    if (q.reverse) std::reverse(want.begin(), want.end());

    std::vector<pb::Item> got;
    for (int pages = 0;; ++pages) {
      ASSERT_LT(pages, 100);
      auto p = store_->query(q);
      ASSERT_TRUE(p.ok()) << p.error().message;
      ASSERT_LE(p->items.size(), q.limit);
      got.insert(got.end(), p->items.begin(), p->items.end());
      if (p->next_cursor.empty()) break;
      q.cursor = p->next_cursor;
    }
    ASSERT_EQ(got.size(), want.size()) << "mode " << mode << " reverse " << q.reverse;
    for (size_t i = 0; i < got.size(); ++i) EXPECT_TRUE(same_message(got[i], want[i])) << i;
  }

  temp_dir dir_;
  pb::IndexDescriptor d_;
  std::unique_ptr<index_store> store_;
  std::mt19937_64 rng_;
  std::map<std::string, pb::Item> keys_;  // every base key the test uses
  std::map<std::string, model_entry> base_;
  std::map<std::string, std::pair<pb::Item, std::optional<std::string>>> truth_;  // the table now
  std::vector<std::pair<pb::ChangeEvent, std::optional<std::string>>> history_;  // puts and removals sent
  uint64_t version_ = 0;
  uint64_t position_ = 0;
};

TEST_P(IndexModel, RandomOperationsMatchTheModel) {
  constexpr int ops = 3000;
  for (int op = 0; op < ops; ++op) {
    int r = std::uniform_int_distribution<int>(0, 19)(rng_);
    if (r < 14) {
      ASSERT_NO_FATAL_FAILURE(random_batch());
    } else if (r < 16) {
      ASSERT_NO_FATAL_FAILURE(random_replace());
    } else {
      ASSERT_NO_FATAL_FAILURE(random_query());
    }
    ASSERT_NO_FATAL_FAILURE(check_counters()) << "op " << op;
    if (op % 100 == 0) {
      ASSERT_NO_FATAL_FAILURE(check_dump()) << "op " << op;
    }
    if (op == ops / 2) {
      store_.reset();  // a restart: everything must come back from the file
      store_ = open_ok(dir_.file(), d_);
      ASSERT_TRUE(store_);
      ASSERT_NO_FATAL_FAILURE(check_counters());
      ASSERT_NO_FATAL_FAILURE(check_dump());
    }
  }
  check_dump();
}

INSTANTIATE_TEST_SUITE_P(Kinds, IndexModel,
                         ::testing::Values(model_params{pb::INDEX_NUMBER, pb::PROJECT_ALL, true, 1},
                                           model_params{pb::INDEX_STRING, pb::PROJECT_KEYS, true, 2},
                                           model_params{pb::INDEX_STRING, pb::PROJECT_ALL, false, 3}),
                         [](const auto& info) {
                           return std::string(info.param.type == pb::INDEX_NUMBER ? "Number" : "String") +
                                  (info.param.projection == pb::PROJECT_ALL ? "All" : "Keys") +
                                  (info.param.unique ? "Unique" : "");
                         });

}  // namespace
}  // namespace ropekv::index
