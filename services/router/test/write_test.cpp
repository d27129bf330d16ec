// Writes: rk2 extraction, TTL, conditions, and batch bodies.
#include <gtest/gtest.h>

#include "batch_request.hpp"
#include "ropekv/index/index_key.hpp"
#include "test_layout.hpp"
#include "write_builder.hpp"

namespace ropekv::router {
namespace {

TEST(router_write_builder, rk2_from_the_local_index_attribute) {
  using opt = std::optional<std::string>;
  auto s = extract_rk2(R"({"rank":"gold","x":1})", "rank");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(*s, opt(index::rk2_of_string("gold")));
  // Numbers index their value, whatever the text: numeric order.
  EXPECT_EQ(*extract_rk2(R"({"rank":-1.50e3})", "rank"), opt(index::rk2_of_number(-1500)));
  EXPECT_EQ(*extract_rk2(R"({"rank":10.0})", "rank"), *extract_rk2(R"({"rank":1e1})", "rank"));
  EXPECT_LT(**extract_rk2(R"({"rank":9})", "rank"), **extract_rk2(R"({"rank":10})", "rank"));
  EXPECT_LT(**extract_rk2(R"({"rank":-1})", "rank"), **extract_rk2(R"({"rank":2.5})", "rank"));
  // Strings sort after every number.
  EXPECT_LT(**extract_rk2(R"({"rank":1e300})", "rank"), **extract_rk2(R"({"rank":""})", "rank"));
  EXPECT_EQ(*extract_rk2(R"({"rank":"a\u0000b"})", "rank"), opt(index::rk2_of_string(std::string("a\0b", 3))));
  // Only top-level attributes count; absent or null: not indexed.
  EXPECT_FALSE(*extract_rk2(R"({"x":{"rank":"gold"}})", "rank"));
  EXPECT_FALSE(*extract_rk2(R"({"rank":null})", "rank"));
  EXPECT_FALSE(*extract_rk2(R"({"rank":"gold"})", ""));
  // Other types and numbers beyond a double are 400; encoded values over
  // the limit 413 (the tag byte counts).
  EXPECT_EQ(extract_rk2(R"({"rank":true})", "rank").error().status, 400u);
  EXPECT_EQ(extract_rk2(R"({"rank":[1]})", "rank").error().status, 400u);
  EXPECT_EQ(extract_rk2(R"({"rank":1e400})", "rank").error().status, 400u);
  std::string big = R"({"rank":")" + std::string(1024, 'x') + R"("})";
  EXPECT_EQ(extract_rk2(big, "rank").error().status, 413u);
  std::string fits = R"({"rank":")" + std::string(1023, 'x') + R"("})";
  EXPECT_TRUE(extract_rk2(fits, "rank").ok());
  // Duplicate names: the last wins.
  EXPECT_EQ(*extract_rk2(R"({"rank":"a","rank":"b"})", "rank"), opt(index::rk2_of_string("b")));
}

TEST(router_write_builder, ttl_param_overrides_the_table_default) {
  EXPECT_EQ(expires_at_ms(std::nullopt, 0, 1000), 0);
  EXPECT_EQ(expires_at_ms(std::nullopt, 60, 1000), 61000);
  EXPECT_EQ(expires_at_ms(5, 60, 1000), 6000);
  EXPECT_EQ(expires_at_ms(0, 60, 1000), 0);  // ttl=0: never, despite the default
}

TEST(router_write_builder, conditions) {
  write_params p;
  EXPECT_EQ(condition_of(p), std::make_pair(pb::COND_NONE, uint64_t{0}));
  p.condition = net::write_condition::absent;
  EXPECT_EQ(condition_of(p).first, pb::COND_IF_ABSENT);
  p.condition = net::write_condition::exists;
  EXPECT_EQ(condition_of(p).first, pb::COND_IF_EXISTS);
  p.condition = net::write_condition::none;
  p.if_version = 42;
  EXPECT_EQ(condition_of(p), std::make_pair(pb::COND_IF_VERSION, uint64_t{42}));
}

TEST(router_write_builder, put_and_delete_mutations) {
  auto table = test::items_schema();
  table.set_default_ttl_s(10);
  write_params p;
  p.condition = net::write_condition::absent;
  auto m = build_put(table, "h", "r", R"({"rank":"b","v":1})", p, 5000);
  ASSERT_TRUE(m.ok());
  const auto& item = m->put().item();
  EXPECT_EQ(item.table_id(), test::items_id);
  EXPECT_EQ(item.hash_key(), "h");
  EXPECT_EQ(item.range_key(), "r");
  EXPECT_EQ(item.value(), R"({"rank":"b","v":1})");
  EXPECT_TRUE(item.has_rk2());
  EXPECT_EQ(item.rk2(), index::rk2_of_string("b"));
  EXPECT_EQ(item.expires_at_ms(), 15000);
  EXPECT_EQ(m->put().condition(), pb::COND_IF_ABSENT);
  EXPECT_EQ(op_class_of(*m), op_class::conditional_write);

  auto d = build_delete(table, "h", "r", write_params{});
  EXPECT_EQ(d.delete_().table_id(), test::items_id);
  EXPECT_EQ(d.delete_().condition(), pb::COND_NONE);
  EXPECT_EQ(op_class_of(d), op_class::idempotent_write);
  EXPECT_EQ(op_class_of(build_rollback(1, 2, 3)), op_class::idempotent_write);
  EXPECT_EQ(build_put(table, "h", "r", R"({"rank":{}})", {}, 0).error().status, 400u);
}

TEST(router_batch_request, parses_all_three_kinds) {
  auto ops = parse_batch(R"({"ops":[
      {"op":"put","hash_key":"a","range_key":"1","item":{"big":123456789012345678901234567890},"if":"absent","ttl":5},
      {"op":"get","hash_key_base64":"/wA=","range_key":"2","consistency":"eventual","as_of":7},
      {"op":"delete","hash_key":"c","range_key":"","if_version":3}]})", true);
  ASSERT_TRUE(ops.ok()) << ops.error().message;
  ASSERT_EQ(ops->size(), 3u);
  EXPECT_EQ((*ops)[0].kind, batch_op_kind::put);
  EXPECT_EQ((*ops)[0].item_json, R"({"big":123456789012345678901234567890})");
  EXPECT_EQ((*ops)[0].write.condition, net::write_condition::absent);
  EXPECT_EQ((*ops)[0].write.ttl_seconds, 5u);
  EXPECT_EQ((*ops)[1].hash_key, std::string("\xff\x00", 2));
  EXPECT_EQ((*ops)[1].consistency, net::read_consistency::eventual);
  EXPECT_EQ((*ops)[1].as_of, 7u);
  EXPECT_EQ((*ops)[2].kind, batch_op_kind::del);
  EXPECT_EQ((*ops)[2].range_key, std::optional<std::string>(""));
  EXPECT_EQ((*ops)[2].write.if_version, 3u);
}

TEST(router_batch_request, rejects_malformed_batches_whole) {
  struct bad_case {
    const char* body;
    unsigned status;
    const char* needle;
  };
  std::string long_key(2049, 'k');
  std::string too_long = R"({"ops":[{"op":"get","hash_key":")" + long_key + R"(","range_key":"r"}]})";
  std::vector<bad_case> cases = {
      {R"({"ops":[]})", 400, "1..100"},
      {R"({"ops":{}})", 400, "array"},
      {R"({"opz":[]})", 400, "unknown member"},
      {R"({"ops":[1]})", 400, "ops[0]"},
      {R"({"ops":[{"op":"get","hash_key":"a","range_key":"r"},{"op":"nope","hash_key":"a"}]})", 400, "ops[1]"},
      {R"({"ops":[{"op":"get","range_key":"r"}]})", 400, "hash_key is required"},
      {R"({"ops":[{"op":"get","hash_key":"a"}]})", 400, "range_key is required"},
      {R"({"ops":[{"op":"put","hash_key":"a","range_key":"r"}]})", 400, "needs an item"},
      {R"({"ops":[{"op":"put","hash_key":"a","range_key":"r","item":[1]}]})", 400, "JSON object"},
      {R"({"ops":[{"op":"get","hash_key":"a","range_key":"r","if":"absent"}]})", 400, "apply to put"},
      {R"({"ops":[{"op":"put","hash_key":"a","range_key":"r","item":{},"if":"absent","if_version":1}]})", 400, "exclusive"},
      {R"({"ops":[{"op":"get","hash_key":"a","hash_key_base64":"YQ==","range_key":"r"}]})", 400, "twice"},
      {R"({"ops":[{"op":"get","hash_key_base64":"!!","range_key":"r"}]})", 400, "base64"},
      {R"({"ops":[{"op":"get","hash_key":"","range_key":"r"}]})", 400, ""},
      {R"({"ops":[{"op":"get","hash_key":"a","range_key":"r","extra":1}]})", 400, "unknown member"},
      {too_long.c_str(), 413, ""},
  };
  for (const auto& c : cases) {
    auto r = parse_batch(c.body, true);
    ASSERT_FALSE(r.ok()) << c.body;
    EXPECT_EQ(r.error().status, c.status) << c.body;
    EXPECT_NE(r.error().message.find(c.needle), std::string::npos) << r.error().message;
  }
  // A table without range key takes no range_key.
  EXPECT_FALSE(parse_batch(R"({"ops":[{"op":"get","hash_key":"a","range_key":"r"}]})", false).ok());
  EXPECT_TRUE(parse_batch(R"({"ops":[{"op":"get","hash_key":"a"}]})", false).ok());
}

}  // namespace
}  // namespace ropekv::router
