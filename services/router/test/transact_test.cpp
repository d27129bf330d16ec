// POST /v1/transact without a network: parsing and validation, planning by
// segment (primary first), and the versions a commit reports.
#include <gtest/gtest.h>

#include "route_table.hpp"
#include "test_layout.hpp"
#include "transact_request.hpp"

namespace ropekv::router {
namespace {

using namespace test;

std::shared_ptr<const routing_snapshot> snapshot() {
  route_table table;
  auto r = table.apply(full_update(make_rope(layout_segments()), {items_schema(), kv_schema()},
                                   {{1, "127.0.0.1:1"}, {2, "127.0.0.1:2"}}));
  EXPECT_TRUE(r.ok() && *r == update_outcome::applied);
  return table.load();
}

net::http_result<txn_request> parse(std::string_view body, txn_limits limits = {}) {
  return parse_transact(body, *snapshot(), limits, 1000);
}

std::string error_of(std::string_view body, txn_limits limits = {}) {
  auto r = parse(body, limits);
  if (r) return "ok";
  return r.error().code + ": " + r.error().message;
}

TEST(transact_request, parses_every_kind_of_op) {
  auto r = parse(R"({"request_id":"abc","ops":[
      {"put":{"table":"kvs","hash_key":"a","item":{"n":1},"if":"absent","ttl":60}},
      {"delete":{"table":"items","hash_key":"hot","range_key":"z","if_version":7}},
      {"check":{"table":"kvs","hash_key":"b","if":"exists"}},
      {"get":{"table":"items","hash_key":"h","range_key":"r"}}]})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->request_id, "abc");
  ASSERT_EQ(r->ops.size(), 4u);
  const auto& put = r->ops[0].op;
  ASSERT_TRUE(put.has_put());
  EXPECT_EQ(put.put().item().table_id(), kv_id);
  EXPECT_EQ(put.put().condition(), pb::COND_IF_ABSENT);
  EXPECT_EQ(put.put().item().expires_at_ms(), 1000 + 60'000);
  EXPECT_EQ(r->ops[1].op.delete_().expected_version(), 7u);
  EXPECT_EQ(r->ops[1].op.delete_().condition(), pb::COND_IF_VERSION);
  EXPECT_EQ(r->ops[2].op.check().condition(), pb::COND_IF_EXISTS);
  EXPECT_TRUE(r->ops[3].op.has_get());
  for (uint32_t i = 0; i < 4; ++i) EXPECT_EQ(r->ops[i].op.index(), i);
  EXPECT_EQ(r->ops[0].key, item_key(kv_id, "a", ""));
  EXPECT_TRUE(r->ops[1].table_has_range_key);
  EXPECT_EQ(r->ops[0].tp, (uint64_t{kv_id} << 16) | keys::partition_of("a"));
}

TEST(transact_request, refuses_bad_transactions_before_running_anything) {
  EXPECT_EQ(error_of(R"({"ops":[]})").substr(0, 16), "invalid_argument");
  EXPECT_NE(error_of(R"({"ops":[{"put":{"table":"nope","hash_key":"a","item":{}}}]})").find("no such table"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"ops":[{"put":{"table":"kvs","hash_key":"a","item":{}}},
                                {"delete":{"table":"kvs","hash_key":"a"}}]})").find("two operations on one item"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"ops":[{"check":{"table":"kvs","hash_key":"a"}}]})").find("check needs"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"ops":[{"get":{"table":"kvs","hash_key":"a","consistency":"eventual"}}]})")
                .find("commit point"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"ops":[{"put":{"table":"items","hash_key":"a","item":{}}}]})").find("range_key"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"ops":[{"put":{"hash_key":"a","item":{}}}]})").find("table is required"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"ops":[{"put":{"table":"kvs","hash_key":"a","item":{}},"get":{}}]})")
                .find("one object member"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"ops":[{"scan":{"table":"kvs","hash_key":"a"}}]})").find("put, delete, check or get"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"ops":[{"get":{"table":"kvs","hash_key":"a"}}],"extra":1})").find("unknown member"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"request_id":"","ops":[{"get":{"table":"kvs","hash_key":"a"}}]})").find("request_id"),
            std::string::npos);
  // Limits: op count and body size.
  std::string two = R"({"ops":[{"get":{"table":"kvs","hash_key":"a"}},{"get":{"table":"kvs","hash_key":"b"}}]})";
  EXPECT_NE(error_of(two, {.max_ops = 1}).find("1..1 operations"), std::string::npos);
  EXPECT_EQ(error_of(two, {.max_ops = 10, .max_bytes = 20}).substr(0, 9), "too_large");
  EXPECT_EQ(error_of(two), "ok");
}

TEST(transact_request, plans_by_segment_with_the_primary_first) {
  auto snap = snapshot();
  // "hot" range keys below "m" are in segment 11, the rest in 12; kvs in 14.
  auto r = parse_transact(R"({"ops":[
      {"put":{"table":"kvs","hash_key":"x","item":{}}},
      {"put":{"table":"items","hash_key":"hot","range_key":"a","item":{}}},
      {"put":{"table":"items","hash_key":"hot","range_key":"z","item":{}}},
      {"get":{"table":"kvs","hash_key":"y"}}]})",
                          *snap, {}, 0);
  ASSERT_TRUE(r.ok());
  auto plan = plan_transaction(*r, *snap);
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->size(), 3u);
  EXPECT_EQ((*plan)[0].target.segment.value, 14u);
  EXPECT_TRUE((*plan)[0].primary);
  EXPECT_EQ((*plan)[0].ops, (std::vector<size_t>{0, 3}));
  EXPECT_EQ((*plan)[1].target.segment.value, 11u);
  EXPECT_FALSE((*plan)[1].primary);
  EXPECT_EQ((*plan)[2].target.segment.value, 12u);
  EXPECT_EQ((*plan)[2].ops, (std::vector<size_t>{2}));
}

TEST(transact_request, committed_versions_are_the_commit_version_plus_offsets) {
  std::vector<pb::TxnOpResult> prepared(3);
  prepared[0].set_writes(true);
  prepared[1].set_writes(true);
  prepared[1].set_version_offset(1);
  prepared[2].set_version(42);  // a get or check: the version it saw
  auto out = committed_results(prepared, 1000);
  EXPECT_EQ(out[0].version(), 1000u);
  EXPECT_EQ(out[1].version(), 1001u);
  EXPECT_EQ(out[2].version(), 42u);
}

}  // namespace
}  // namespace ropekv::router
